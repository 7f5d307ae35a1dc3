-- bt: bpftrace support for Neovim. `require('bt').setup(opts)` starts
-- bt-lsp for bpftrace buffers:
--   * Neovim 0.11+: vim.lsp.config('bt_lsp', ...) + vim.lsp.enable('bt_lsp')
--   * Neovim 0.7-0.10: vim.lsp.start_client on FileType, one client per root
--
-- opts (all optional):
--   cmd          = { 'bt-lsp' }      command line of the server
--   btf          = nil               BTF file to check against (init_options.btf)
--   clang        = nil               clang executable (init_options.clang)
--   settings     = {}                more init_options, also sent as settings.bt
--   filetypes    = { 'bpftrace' }
--   root_markers = { '.git' }        a buffer's root: nearest dir holding one
--   on_attach    = nil               function(client, bufnr)
--   capabilities = nil               client capabilities table

local M = {}

M.install_url = 'https://github.com/bt-tools/bt#install'
M.name = 'bt_lsp'

local defaults = {
  cmd = { 'bt-lsp' },
  filetypes = { 'bpftrace' },
  root_markers = { '.git' },
  settings = {},
}

-- clients started on Neovim < 0.11, by root directory
local clients = {}
local warned_missing = false

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.WARN, { title = 'bt' })
end

--- Builds the LSP client configuration from setup() options. Pure.
function M.config(opts)
  opts = opts or {}
  local init = vim.deepcopy(opts.settings or defaults.settings)
  if opts.btf and opts.btf ~= '' then
    init.btf = opts.btf
  end
  if opts.clang and opts.clang ~= '' then
    init.clang = opts.clang
  end
  return {
    name = M.name,
    cmd = opts.cmd or defaults.cmd,
    filetypes = opts.filetypes or defaults.filetypes,
    root_markers = opts.root_markers or defaults.root_markers,
    init_options = init,
    settings = { bt = vim.deepcopy(init) },
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
end

--- The nearest directory at or above `path` holding one of `markers`,
--- else `path`'s own directory. Works on 0.7 (no vim.fs there).
function M.root_dir(path, markers)
  local uv = vim.loop
  local dir = vim.fn.fnamemodify(path, ':p')
  local stat = uv.fs_stat(dir)
  if not (stat and stat.type == 'directory') then
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  dir = dir:gsub('/+$', '')
  if dir == '' then
    dir = '/'
  end
  local start = dir
  while true do
    for _, m in ipairs(markers) do
      if uv.fs_stat(dir .. '/' .. m) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function executable(cmd)
  return type(cmd) == 'table' and cmd[1] ~= nil and vim.fn.executable(cmd[1]) == 1
end

local function warn_missing(cmd)
  if warned_missing then
    return
  end
  warned_missing = true
  notify(
    string.format(
      "bt: the language server '%s' was not found. Install bt (it ships bt-lsp): %s, or pass cmd to require('bt').setup().",
      tostring(cmd and cmd[1]),
      M.install_url
    )
  )
end

local function get_client(id)
  local c = vim.lsp.get_client_by_id(id)
  if c and not (c.is_stopped and c.is_stopped()) then
    return c
  end
  return nil
end

-- Neovim 0.7-0.10: start or reuse the client for the buffer's root.
local function attach_legacy(bufnr, cfg)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = name ~= '' and M.root_dir(name, cfg.root_markers) or vim.loop.cwd()
  local id = clients[root]
  if id and get_client(id) then
    vim.lsp.buf_attach_client(bufnr, id)
    return id
  end
  id = vim.lsp.start_client({
    name = cfg.name,
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = cfg.init_options,
    settings = cfg.settings,
    on_attach = cfg.on_attach,
    capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities(),
    -- Neovim 0.10+ sends the settings after initialize by itself; before
    -- that, clients had to (nvim-lspconfig did it the same way).
    on_init = vim.fn.has('nvim-0.10') == 0 and function(client)
      client.notify('workspace/didChangeConfiguration', { settings = cfg.settings })
    end or nil,
    on_exit = function()
      if clients[root] == id then
        clients[root] = nil
      end
    end,
  })
  if id then
    clients[root] = id
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Sets bt-lsp up for bpftrace buffers. Calling it again replaces the setup.
function M.setup(opts)
  local cfg = M.config(opts)
  warned_missing = false

  if vim.fn.has('nvim-0.11') == 1 and vim.lsp.config and vim.lsp.enable then
    if not executable(cfg.cmd) then
      warn_missing(cfg.cmd)
      return
    end
    vim.lsp.config(M.name, {
      cmd = cfg.cmd,
      filetypes = cfg.filetypes,
      root_markers = cfg.root_markers,
      init_options = cfg.init_options,
      settings = cfg.settings,
      on_attach = cfg.on_attach,
      capabilities = cfg.capabilities,
    })
    vim.lsp.enable(M.name)
    return
  end

  local group = vim.api.nvim_create_augroup('bt_lsp', { clear = true })
  local function on_buffer(bufnr)
    if not executable(cfg.cmd) then
      warn_missing(cfg.cmd)
      return
    end
    attach_legacy(bufnr, cfg)
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = cfg.filetypes,
    callback = function(args)
      on_buffer(args.buf)
    end,
  })
  -- buffers opened before setup()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(cfg.filetypes, vim.bo[bufnr].filetype) then
      on_buffer(bufnr)
    end
  end
end

--- Clients of this plugin that are running (any Neovim version).
function M.clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  return vim.tbl_filter(function(c)
    return c.name == M.name
  end, all)
end

return M
