// File > Save experiment's questions: the lesson's title and a description for students. Both go
// into the experiment file; opening it shows them (the Experiments panel, the window title).
#pragma once

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;

class ExperimentTextDialog final : public QDialog {
  Q_OBJECT

 public:
  /// Starts with `title` and `description` (those of the experiment opened last, or empty).
  ExperimentTextDialog(const QString& title, const QString& description, QWidget* parent = nullptr);

  /// The title as typed, trimmed; Save is enabled only while it is not empty.
  QString title() const;
  /// The description as typed, trimmed (may be empty).
  QString description() const;

  QLineEdit* titleEdit() const { return m_title; }
  QPlainTextEdit* descriptionEdit() const { return m_description; }
  QPushButton* saveButton() const { return m_save; }

 private:
  QLineEdit* m_title = nullptr;
  QPlainTextEdit* m_description = nullptr;
  QPushButton* m_save = nullptr;
};
