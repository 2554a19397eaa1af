#!/usr/bin/env bash
# macOS: build "PIXM Desktop.app" (pixm.spec's BUNDLE step; the console tool `pixm` is inside it, in
# Contents/MacOS) and a compressed disk image dist/PIXM-Desktop-<version>.dmg. Signing and notarisation are
# optional steps driven by the environment (see installers/macos/README.md): without them the app runs on the
# build machine and, elsewhere, after the user allows it in System Settings → Privacy & Security.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh build
.venv/bin/pyinstaller --noconfirm --log-level WARN pixm.spec
version=$(.venv/bin/python -c "import pixm_desktop; print(pixm_desktop.__version__)")
app="dist/PIXM Desktop.app"
"$app/Contents/MacOS/pixm" --smoke-test
if [ -n "${PIXM_SIGN_IDENTITY:-}" ]; then  # "Developer ID Application: …"
  codesign --force --deep --options runtime --timestamp --sign "$PIXM_SIGN_IDENTITY" \
    --entitlements installers/macos/entitlements.plist "$app"
  codesign --verify --strict --verbose=2 "$app"
fi
dmg="dist/PIXM-Desktop-${version}.dmg"
rm -f "$dmg"
staging=$(mktemp -d)
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "PIXM Desktop ${version}" -srcfolder "$staging" -ov -format UDZO "$dmg"
rm -rf "$staging"
if [ -n "${PIXM_NOTARY_PROFILE:-}" ]; then  # a keychain profile made with `xcrun notarytool store-credentials`
  xcrun notarytool submit "$dmg" --keychain-profile "$PIXM_NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
fi
echo "$dmg"
