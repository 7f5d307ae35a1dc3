// Names shared by the extension and its tests. No `vscode` import here.

export const LANGUAGE_ID = 'bpftrace';

// Where the "Install instructions" button leads when bt-lsp is missing.
export const INSTALL_URL = 'https://github.com/bt-tools/bt#install';

export const SERVER_NAME = 'bt-lsp';
export const CLI_NAME = 'bt';

// Settings section; the client id must match it so that vscode-languageclient
// reads `bt.trace.server` on its own.
export const SECTION = 'bt';
