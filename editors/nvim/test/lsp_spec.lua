-- require('bt').setup() against a stand-in server (fake_lsp.js): the
-- configured cmd is started with the right init_options and settings, one
-- client serves each root, and a published diagnostic reaches
-- vim.diagnostic. This tests the plugin's wiring, not bt-lsp itself.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/') or '.'
local T = dofile(here .. '/harness.lua')
local bt = require('bt')

local dir = vim.fn.tempname()
local record = dir .. '/record.jsonl'
vim.fn.mkdir(dir .. '/root1/.git', 'p')
vim.fn.mkdir(dir .. '/root2/.git', 'p')
local a = T.write(dir .. '/root1/a.bt', { 'kprobe:vfs_read { @n = count(); }' })
local b = T.write(dir .. '/root1/sub/b.bt', { 'begin { exit(); }' })
local c = T.write(dir .. '/root2/c.bt', { 'end { }' })

local function records(method)
  local out = {}
  if vim.fn.filereadable(record) == 1 then
    for _, line in ipairs(vim.fn.readfile(record)) do
      local r = vim.fn.json_decode(line)
      if r.method == method then
        table.insert(out, r)
      end
    end
  end
  return out
end

local function wait_diagnostics(bufnr)
  vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  return vim.diagnostic.get(bufnr)
end

T.test('config() turns options into init_options and settings', function()
  local cfg = bt.config({ btf = '/tmp/v.btf', clang = '/usr/bin/clang-19', settings = { maxProblems = 10 } })
  T.eq(cfg.cmd, { 'bt-lsp' })
  T.eq(cfg.filetypes, { 'bpftrace' })
  T.eq(cfg.init_options, { btf = '/tmp/v.btf', clang = '/usr/bin/clang-19', maxProblems = 10 })
  T.eq(cfg.settings, { bt = { btf = '/tmp/v.btf', clang = '/usr/bin/clang-19', maxProblems = 10 } })
  T.eq(bt.config({ btf = '' }).init_options, {})
end)

T.test('root_dir() finds the nearest marker or falls back to the file directory', function()
  T.eq(bt.root_dir(b, { '.git' }), dir .. '/root1')
  T.eq(bt.root_dir(c, { '.git' }), dir .. '/root2')
  T.eq(bt.root_dir(b, { 'no-such-marker' }), dir .. '/root1/sub')
end)

T.test('a missing server is reported once with the install URL, and nothing starts', function()
  local messages = {}
  local real = vim.notify
  vim.notify = function(msg)
    table.insert(messages, msg)
  end
  bt.setup({ cmd = { dir .. '/no/bt-lsp' } })
  T.edit(a)
  T.edit(c)
  vim.notify = real
  T.eq(#messages, 1, 'one message')
  T.ok(messages[1]:find(bt.install_url, 1, true), messages[1])
  T.eq(#bt.clients(), 0, 'no client')
end)

T.test('setup() starts the configured cmd with init_options; its diagnostic arrives', function()
  vim.cmd('silent! %bwipeout!') -- no bpftrace buffer open at setup()
  bt.setup({
    cmd = { 'node', here .. '/fake_lsp.js', record },
    btf = '/sys/kernel/btf/vmlinux',
    clang = '/usr/bin/clang-19',
    settings = { extra = true },
  })
  local bufnr = T.edit(a)
  local diags = wait_diagnostics(bufnr)
  T.eq(#diags, 1, 'one diagnostic')
  T.eq(diags[1].message, 'fake: checked by the stand-in server')
  T.eq({ diags[1].lnum, diags[1].col, diags[1].end_col }, { 0, 0, 6 })
  local init = records('initialize')
  T.eq(#init, 1, 'one initialize')
  T.eq(init[1].initializationOptions, { btf = '/sys/kernel/btf/vmlinux', clang = '/usr/bin/clang-19', extra = true })
  T.eq(init[1].rootUri, vim.uri_from_fname(dir .. '/root1'))
  vim.wait(5000, function()
    return #records('workspace/didChangeConfiguration') > 0
  end, 50)
  T.eq(records('workspace/didChangeConfiguration')[1].settings, { bt = { btf = '/sys/kernel/btf/vmlinux', clang = '/usr/bin/clang-19', extra = true } })
  T.eq(records('textDocument/didOpen')[1].languageId, 'bpftrace')
end)

T.test('buffers under the same root share one client; another root gets its own', function()
  local bufnr = T.edit(b)
  T.eq(#wait_diagnostics(bufnr), 1)
  T.eq(#records('initialize'), 1, 'still one server for root1')
  bufnr = T.edit(c)
  T.eq(#wait_diagnostics(bufnr), 1)
  local init = records('initialize')
  T.eq(#init, 2, 'a second server for root2')
  T.eq(init[2].rootUri, vim.uri_from_fname(dir .. '/root2'))
  T.eq(#bt.clients(), 2)
end)

for _, client in ipairs(bt.clients()) do
  client.stop()
end
vim.wait(3000, function()
  return #bt.clients() == 0
end, 50)
vim.fn.delete(dir, 'rf')
T.finish()
