# Sourced by ./amalgam and by the GPU bundle's bin/amalgam: points DJL at a libtorch outside the jars (a CUDA
# build), when PYTORCH_LIBRARY_PATH names its lib folder or AMALGAM_TORCH=python asks for the one of python3's
# PyTorch. Without either, nothing changes: DJL loads the CPU libtorch jar.
#   DJL_JNI_LIB  libdjl_torch.so built for that libtorch (README "GPU"); else DJL tries the prebuilt cu128 JNI of
#                its jar, which loads only against libtorch 2.7.1 built for CUDA 12.8.
if [ -z "${PYTORCH_LIBRARY_PATH:-}" ] && [ "${AMALGAM_TORCH:-}" = python ]; then
  PYTORCH_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib" || return 1
  export PYTORCH_LIBRARY_PATH
fi
if [ -n "${PYTORCH_LIBRARY_PATH:-}" ]; then
  # DJL's JNI jar is 2.7.1-0.35.1: the version DJL looks for, whatever libtorch is underneath.
  export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}"
  export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-${TMPDIR:-/tmp}/amalgam-djl-$(id -u)}"
  if [ -n "${DJL_JNI_LIB:-}" ]; then
    # DJL takes the JNI from its engine cache before extracting the jar's: put the given one there.
    export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu-local}"
    jni_dir="$ENGINE_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64"
    mkdir -p "$jni_dir" && cp "$DJL_JNI_LIB" "$jni_dir/0.35.1-libdjl_torch.so"
  else
    export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"
  fi
  # DJL counts GPUs through libcudart (JNA): the CUDA toolkit's, else the one PyTorch's wheels bring.
  for d in /usr/local/cuda/lib64 "$PYTORCH_LIBRARY_PATH/../../nvidia/cu13/lib" "$PYTORCH_LIBRARY_PATH/../../nvidia/cuda_runtime/lib"; do
    if [ -d "$d" ]; then export LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"; fi
  done
fi
true # a sourced file's status is its last command's: never fail the caller's `set -e` here
