#include "experimentdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

ExperimentTextDialog::ExperimentTextDialog(const QString& title, const QString& description, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Save experiment"));
  auto* intro = new QLabel(tr("The title and the description are saved in the experiment file. Whoever opens it "
                              "sees them in the Experiments panel before running the lesson."));
  intro->setWordWrap(true);
  m_title = new QLineEdit(title);
  m_title->setPlaceholderText(tr("e.g. Watch the filters form"));
  m_description = new QPlainTextEdit(description);
  m_description->setPlaceholderText(tr("For students: what the experiment shows, what to watch for, and what to "
                                       "compare"));
  m_description->setTabChangesFocus(true);
  auto* form = new QFormLayout;
  form->addRow(tr("Title:"), m_title);
  form->addRow(tr("Description for students:"), m_description);
  // Both buttons' text from this dialog's translation (Qt's own may not be installed).
  auto* buttons = new QDialogButtonBox;
  m_save = buttons->addButton(tr("Save…"), QDialogButtonBox::AcceptRole);
  buttons->addButton(tr("Cancel"), QDialogButtonBox::RejectRole);
  m_save->setDefault(true);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  const auto update = [this] { m_save->setEnabled(!this->title().isEmpty()); };
  connect(m_title, &QLineEdit::textChanged, this, update);
  update();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addLayout(form, 1);
  layout->addWidget(buttons);
  resize(520, 360);
}

QString ExperimentTextDialog::title() const { return m_title->text().simplified(); }

QString ExperimentTextDialog::description() const { return m_description->toPlainText().trimmed(); }
