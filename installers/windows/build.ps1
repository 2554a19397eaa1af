# Windows: build dist\pixm-<version>\ (pixm.exe, pixm-desktop.exe) with PyInstaller, run the frozen
# self-check, then the installer with Inno Setup 6 (iscc on the PATH) from installers\windows\pixm.iss.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path .venv)) { py -3 -m venv .venv }
.venv\Scripts\python -m pip install --quiet -e ".[build]"
.venv\Scripts\pyinstaller --noconfirm --log-level WARN pixm.spec
$version = (.venv\Scripts\python -c "import pixm_desktop; print(pixm_desktop.__version__)").Trim()
& "dist\pixm-$version\pixm.exe" --smoke-test
if ($LASTEXITCODE -ne 0) { throw "the frozen self-check failed" }
iscc /DAppVersion=$version installers\windows\pixm.iss
