#!/usr/bin/env bash
# Assembles the self-contained plugin SDK folder from a build's products (`make sdk` runs it
# after `swift build -c release`; the SDK tests run it on the debug build).
#   scripts/package-sdk.sh BUILD_DIR OUT_DIR
# OUT_DIR gets: lib/libBertSlimSDK.so, modules/<Module>.swiftmodule/<triple>.swiftinterface
# (library evolution: plugins compile against the interface, not a binary module),
# include/{bertslim_plugin.h,module.modulemap}, README.md, examples/, INTERFACE.sha256.
set -euo pipefail
build=${1:?usage: package-sdk.sh BUILD_DIR OUT_DIR}
out=${2:?usage: package-sdk.sh BUILD_DIR OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
triple=$(swiftc -print-target-info | sed -n 's/.*"triple": "\(.*\)".*/\1/p' | head -1)

for f in "$build/libBertSlimSDK.so" "$build/Modules/BertSlimSDK.swiftinterface" "$build/Modules/SlimTensor.swiftinterface"; do
  [ -f "$f" ] || { echo "package-sdk: $f is missing (build the SDK first)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/lib" "$out/include" "$out/modules" "$out/examples"
cp "$build/libBertSlimSDK.so" "$out/lib/"
for module in SlimTensor BertSlimSDK; do
  mkdir -p "$out/modules/$module.swiftmodule"
  cp "$build/Modules/$module.swiftinterface" "$out/modules/$module.swiftmodule/$triple.swiftinterface"
done
cp "$root/SDK/Sources/CBertSlimPlugin/include/bertslim_plugin.h" "$out/include/"
cat > "$out/include/module.modulemap" <<'MAP'
module CBertSlimPlugin {
    header "bertslim_plugin.h"
    export *
}
MAP
cp "$root/SDK/README.md" "$out/README.md"
cp -R "$root/SDK/Examples/ExternalPlugin/Sources/CosineDistillation" "$out/examples/"
(cd "$out" && sha256sum modules/*/*.swiftinterface > INTERFACE.sha256)
echo "SDK folder: $out"
