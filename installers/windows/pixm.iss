; Inno Setup 6 script: installs dist\pixm-<version>\ into Program Files, a Start menu entry for the window and
; the console tool's folder on the PATH. Built by installers\windows\build.ps1 (iscc /DAppVersion=…).
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F1E7C2A-4C1B-4C7E-9A3B-5D2F0C8E7A41}
AppName=PIXM Desktop
AppVersion={#AppVersion}
AppPublisher=PIXM Desktop developers
DefaultDirName={autopf}\PIXM Desktop
DefaultGroupName=PIXM Desktop
OutputDir=..\..\dist
OutputBaseFilename=PIXM-Desktop-{#AppVersion}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2
SolidCompression=yes
ChangesEnvironment=yes
LicenseFile=..\..\LICENSE
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "..\..\dist\pixm-{#AppVersion}\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\PIXM Desktop"; Filename: "{app}\pixm-desktop.exe"
Name: "{group}\Uninstall PIXM Desktop"; Filename: "{uninstallexe}"

[Registry]
; the console tool `pixm` on the user's PATH (removed again by the uninstaller)
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
  Check: NeedsAddPath(ExpandConstant('{app}')); Flags: preservestringtype

[Run]
Filename: "{app}\pixm.exe"; Parameters: "--smoke-test"; Flags: runhidden waituntilterminated; \
  StatusMsg: "Checking the installation…"
Filename: "{app}\pixm-desktop.exe"; Description: "Start PIXM Desktop"; Flags: postinstall nowait skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
