# End-to-end check of pretext-cli: run with
#   cmake -DCLI=path/to/pretext-cli -DWORK=scratch/folder -P cli_smoke.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run_cli expect_code)
  execute_process(COMMAND "${CLI}" ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY "${WORK}")
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "pretext-cli ${ARGN}: exit ${code}, expected ${expect_code}\n${out}\n${err}")
  endif()
  set(OUT "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_text text)
  string(FIND "${OUT}" "${text}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expected '${text}' in the output:\n${OUT}")
  endif()
endfunction()

run_cli(0 datasets)
expect_text("shapes")
expect_text("fashion-mnist")

run_cli(0 inspect shapes --out sheet.png --count 16)
expect_text("split train")
expect_text("triangle")
if(NOT EXISTS "${WORK}/sheet.png")
  message(FATAL_ERROR "inspect wrote no sheet.png")
endif()

run_cli(1 inspect "${WORK}")
expect_text("no class folders")
run_cli(1 inspect "mnist:${WORK}/nowhere")
expect_text("not found")

run_cli(0 methods)
expect_text("simclr")
run_cli(0 methods moco)
expect_text("queue")

run_cli(2 train --dataset shapes --method nosuch)
expect_text("nosuch")
run_cli(2 train --dataset shapes --method simclr --temprature 0.1)
expect_text("--temprature")

run_cli(0 train --dataset shapes --method rotation --epochs 1 --batch-size 64 --width 8 --knn-k 20
        --threads 2 --out run)
expect_text("k-NN accuracy")
foreach(f config.json metrics.csv checkpoints/last.pt)
  if(NOT EXISTS "${WORK}/run/${f}")
    message(FATAL_ERROR "the run folder lacks ${f}")
  endif()
endforeach()

# Extend the finished run by one epoch.
run_cli(0 train --resume run --epochs 2)
expect_text("resuming")
expect_text("epoch 2 done")

# Evaluation of the run: eval.json, the tables and views in the run folder, and the results table.
run_cli(0 eval run --knn --linear --retrieval --probe-epochs 2 --threads 2)
expect_text("linear probe")
expect_text("conv5")
expect_text("mAP")
run_cli(0 views run --images 0,1 --threads 2)
foreach(f eval.json knn.csv linear_probe.csv linear_probe.png retrieval.csv filters.png attention.png)
  if(NOT EXISTS "${WORK}/run/${f}")
    message(FATAL_ERROR "eval/views wrote no ${f}")
  endif()
endforeach()
run_cli(0 compare run --out table)
expect_text("| rotation | convnet | 2 |")
foreach(f table.csv table.md table.png)
  if(NOT EXISTS "${WORK}/${f}")
    message(FATAL_ERROR "compare wrote no ${f}")
  endif()
endforeach()
run_cli(2 eval run --linear --probe-epochs 0)
expect_text("epochs")
run_cli(1 eval nowhere)
expect_text("not a run folder")
