# Build the Windows bundle (same spec); an installer comes with the packaging work.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path .venv)) { py -3 -m venv .venv }
.venv\Scripts\python -m pip install -e ".[build]"
.venv\Scripts\pyinstaller --noconfirm pixm.spec
