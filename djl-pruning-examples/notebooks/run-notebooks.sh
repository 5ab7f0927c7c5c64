#!/usr/bin/env bash
# Executes the Java notebooks of this folder headless and renders them to HTML.
#
#   run-notebooks.sh [-o OUTPUT_DIR] [NOTEBOOK.ipynb ...]
#
# Default: every *.ipynb here, into djl-pruning-examples/target/notebooks. For each notebook it writes
# the executed notebook (<name>.ipynb, with outputs) and <name>.html, prints the wall time, and fails
# (exit 1) on the first cell error, printing the end of that notebook's log.
#
# Needs Jupyter's nbconvert with nbclient and ipykernel (Debian: apt-get install jupyter-nbconvert
# python3-nbclient python3-ipykernel) and ../shared (CIFAR-10 and the pretrained checkpoints). The Java
# kernel (rapaio-jupyter-kernel, from Maven Central) is copied by Maven into target/jupyter; this script
# writes its kernelspec into target/jupyter/kernels and points JUPYTER_PATH there, so nothing is
# installed globally.
#
# Environment: NB_TEST_IMAGES, NB_SCAN_IMAGES, NB_TRAIN_STEPS, ... are read by the notebooks (see their
# first cell); NOTEBOOK_CLASSPATH (a Java class path, ':'-separated) replaces the built jar and
# target/lib (NotebooksTest passes its own class path); DJL_PRUNING_SHARED names the shared folder
# (default: ../shared beside the checkout); NOTEBOOK_JAVA_OPTS sets the kernel JVM's options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(dirname "$here")"
root="$(dirname "$module")"
out="$module/target/notebooks"
if [[ "${1:-}" == "-o" ]]; then
  [[ $# -ge 2 ]] || { echo "run-notebooks.sh: -o needs a folder" >&2; exit 2; }
  out="$2"
  shift 2
fi
if [[ $# -gt 0 ]]; then
  notebooks=("$@")
else
  notebooks=("$here"/*.ipynb)
fi

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
  echo "run-notebooks.sh: jupyter nbconvert not found; on Debian/Ubuntu: apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel" >&2
  exit 2
fi
shared="${DJL_PRUNING_SHARED:-$root/../shared}"
if [[ ! -d "$shared" ]]; then
  echo "run-notebooks.sh: shared folder $shared not found (CIFAR-10 and pretrained weights); set DJL_PRUNING_SHARED" >&2
  exit 2
fi
shared="$(cd "$shared" && pwd)"

jar="$module/target/djl-pruning-examples-0.1.0-SNAPSHOT.jar"
lib="$module/target/lib"
kernel_jar="$module/target/jupyter/rapaio-jupyter-kernel.jar"
if [[ -z "${NOTEBOOK_CLASSPATH:-}" ]]; then
  if [[ ! -f "$jar" || ! -d "$lib" || ! -f "$kernel_jar" || -n "$(find "$root"/djl-pruning-*/src/main "$root/pom.xml" "$root"/djl-pruning-*/pom.xml -newer "$jar" -type f 2>/dev/null | head -1)" ]]; then
    echo "building djl-pruning (mvn -q -B -Dmaven.test.skip=true install) ..." >&2
    (cd "$root" && mvn -q -B -Dmaven.test.skip=true install >&2)
  fi
  classpath="$jar"
  for j in "$lib"/*.jar; do
    classpath="$classpath;$j"
  done
else
  classpath="${NOTEBOOK_CLASSPATH//:/;}" # the kernel's RJK_CLASSPATH is ';'-separated
fi
if [[ ! -f "$kernel_jar" ]]; then
  echo "run-notebooks.sh: $kernel_jar not found; build the examples module (mvn -B -Dmaven.test.skip=true install)" >&2
  exit 2
fi

# Engine set-up, as bin/djl-pruning does it: the kernel JVM gets the fastest configuration whose numerical
# self-check passes on this CPU (cached per machine). A configuration already in the environment (the Maven
# test JVM's, or the user's) is checked instead of replaced.
if ! setup="$(java -cp "${classpath//;/:}" ai.djl.pruning.engine.EngineSetupMain --print-env)"; then
  echo "run-notebooks.sh: no engine configuration computes correct numbers here (see above)" >&2
  exit 3
fi
eval "$setup"

# A project-local kernelspec: the kernel runs the notebook code in its own JVM, offline.
spec="$module/target/jupyter/kernels/djl-pruning-java"
mkdir -p "$spec" "$out"
json() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; } # a JSON string
{
  echo '{'
  echo '  "argv": ["java"'
  for opt in ${NOTEBOOK_JAVA_OPTS:--Xmx3g} -Djava.awt.headless=true -Dai.djl.offline=true -DOPT_OUT_TRACKING=true \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda=error; do
    echo "    , $(json "$opt")"
  done
  echo "    , \"-jar\", $(json "$kernel_jar"), \"{connection_file}\"],"
  echo '  "display_name": "Java (djl-pruning)",'
  echo '  "language": "java",'
  echo '  "interrupt_mode": "message",'
  echo '  "env": {'
  echo "    \"RJK_CLASSPATH\": $(json "$classpath"),"
  echo "    \"DJL_PRUNING_SHARED\": $(json "$shared"),"
  echo "    \"ONEDNN_MAX_CPU_ISA\": $(json "$ONEDNN_MAX_CPU_ISA"),"
  echo "    \"DJL_PRUNING_ONEDNN\": $(json "$DJL_PRUNING_ONEDNN"),"
  echo '    "OPT_OUT_TRACKING": "true",'
  echo '    "DJL_DISABLE_PROGRESS_BAR": "true"'
  echo '  }'
  echo '}'
} > "$spec/kernel.json"
export JUPYTER_PATH="$module/target/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

# rapaio-jupyter-kernel 3.0.1 starts each channel's thread before it sets the flag that thread loops on
# (LoopThread.start: Thread.start(), then running = true); when the new thread checks first it ends at once.
# On a loaded machine this sometimes leaves the shell channel without a reader, and nbconvert reports
# "Kernel didn't respond in 60 seconds" (about 1 start in 5 at load 15 on 2 cores). Such a start is tried
# again, up to 4 attempts; the log of a failed attempt is kept as <name>.attempt<n>.log.
execute() { # notebook, name, log
  local attempt
  for attempt in 1 2 3 4; do
    if jupyter nbconvert --execute --to notebook --ExecutePreprocessor.timeout=1800 \
          --output-dir "$out" --output "$2" "$1" >"$3" 2>&1; then
      return 0
    fi
    grep -q "Kernel didn't respond" "$3" || return 1
    mv "$3" "${3%.log}.attempt$attempt.log"
    echo "        $2: the kernel did not answer at start (attempt $attempt); starting it again" >&2
  done
  return 1
}

status=0
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb" .ipynb)"
  log="$out/$name.log"
  start=$(date +%s)
  # Executes in the notebook's folder; --to notebook keeps the outputs, then the executed copy is rendered.
  if execute "$nb" "$name" "$log" \
      && jupyter nbconvert --to html --output-dir "$out" --output "$name" "$out/$name.ipynb" >>"$log" 2>&1; then
    printf 'ok      %-28s %4d s  %s\n' "$name" "$(( $(date +%s) - start ))" "$out/$name.html"
  else
    printf 'FAILED  %-28s %4d s  log: %s\n' "$name" "$(( $(date +%s) - start ))" "$log"
    grep -v '\[INFO   \]' "$log" | tail -40 >&2
    status=1
    break
  fi
done
exit $status
