-- End to end: the real bt-lsp (built by run.sh, path in $BT_LSP) started by
-- require('bt').setup() in headless Neovim, as a user's config starts it.
-- Scripts are written to a temporary directory and opened with :edit; every
-- wait is a bounded vim.wait on a condition, never a bare sleep.
--
--   diagnostics  a syntax error and semantic errors, at their line/column,
--                with source "bt"
--   completion   attach points after `tracepoint:sched:`; members after
--                `curtask->` and `curtask.` (need the kernel's BTF)
--   hover        a builtin's documentation
--   definition   an import path, and a C function declared in the
--                imported .bpf.c file
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/') or '.'
local T = dofile(here .. '/harness.lua')
local bt = require('bt')

local server = os.getenv('BT_LSP') or ''
local WAIT = 15000 -- ms, the bound of every wait
local BTF = '/sys/kernel/btf/vmlinux'
local no_btf = vim.loop.fs_stat(BTF) == nil and ('no ' .. BTF .. ' (kernel without BTF)') or nil

local dir = vim.fn.tempname()
vim.fn.mkdir(dir .. '/.git', 'p') -- the buffers' root: one server for all
local log = dir .. '/bt-lsp.log'

local function script(name, lines)
  return T.write(dir .. '/' .. name, lines)
end

local function clients_of(bufnr)
  return vim.tbl_filter(function(c)
    return vim.lsp.buf_is_attached(bufnr, c.id)
  end, bt.clients())
end

-- Opens path and waits until bt-lsp is attached to it and initialized.
-- Once that has failed, later tests fail at once instead of waiting again.
local server_down
local function open(path)
  T.ok(not server_down, 'bt-lsp is not running: ' .. tostring(server_down))
  local bufnr = T.edit(path)
  T.eq(vim.bo[bufnr].filetype, 'bpftrace', 'filetype of ' .. path)
  local ok = vim.wait(WAIT, function()
    local c = clients_of(bufnr)[1]
    return c ~= nil and c.initialized == true
  end, 20)
  if not ok then
    server_down = string.format('it did not attach to %s within %d ms (bt-lsp clients: %d)', path, WAIT, #bt.clients())
    error(server_down)
  end
  return bufnr
end

-- Puts the cursor on (1-based) line lnum, on the first character after the
-- first occurrence of `after` in it: where the cursor is once `after` has
-- been typed (the lines keep a character after it so that normal mode can
-- sit there).
local function cursor_after(lnum, after)
  local line = vim.api.nvim_buf_get_lines(0, lnum - 1, lnum, true)[1]
  local s, e = line:find(after, 1, true)
  T.ok(s, string.format('%q not on line %d: %q', after, lnum, line))
  vim.api.nvim_win_set_cursor(0, { lnum, e })
  T.eq(vim.api.nvim_win_get_cursor(0), { lnum, e }, 'cursor')
end

-- Puts the cursor on the first character of `word` on line lnum.
local function cursor_on(lnum, word)
  local line = vim.api.nvim_buf_get_lines(0, lnum - 1, lnum, true)[1]
  local s = line:find(word, 1, true)
  T.ok(s, string.format('%q not on line %d: %q', word, lnum, line))
  vim.api.nvim_win_set_cursor(0, { lnum, s - 1 })
end

-- Sends method at the cursor and returns bt-lsp's result (erroring on a
-- timeout or an error reply).
local function request(bufnr, method, params)
  params = params or vim.lsp.util.make_position_params()
  local replies, err = vim.lsp.buf_request_sync(bufnr, method, params, WAIT)
  T.ok(replies, string.format('%s: no reply within %d ms (%s)', method, WAIT, tostring(err)))
  local id = clients_of(bufnr)[1].id
  local r = replies[id]
  T.ok(r, method .. ': no reply from bt-lsp: ' .. vim.inspect(replies))
  T.ok(r.err == nil and r.error == nil, method .. ' failed: ' .. vim.inspect(r.err or r.error))
  return r.result
end

local function completion_labels(bufnr)
  local res = request(bufnr, 'textDocument/completion')
  local items = res and (res.items or res) or {}
  local labels = {}
  for _, it in ipairs(items) do
    labels[it.label] = it
  end
  return labels, #items
end

local function show(labels)
  local names = vim.tbl_keys(labels)
  table.sort(names)
  local n = #names
  if n > 30 then
    names = vim.list_slice(names, 1, 30)
    table.insert(names, string.format('… (%d in all)', n))
  end
  return table.concat(names, ' ')
end

-- Waits until bt-lsp has published a diagnostic for bufnr matching want
-- (lnum, col: 0-based; code), and returns it. On a timeout the error shows
-- every diagnostic that did arrive.
local function wait_diagnostic(bufnr, want)
  local found
  vim.wait(WAIT, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.lnum == want.lnum and d.col == want.col and (want.code == nil or d.code == want.code) then
        found = d
        return true
      end
    end
    return false
  end, 20)
  T.ok(
    found,
    string.format(
      'no diagnostic %s at %d:%d within %d ms; got: %s',
      tostring(want.code),
      want.lnum + 1,
      want.col + 1,
      WAIT,
      vim.inspect(vim.tbl_map(function(d)
        return string.format('%d:%d %s %s', d.lnum + 1, d.col + 1, tostring(d.code), d.message)
      end, vim.diagnostic.get(bufnr)))
    )
  )
  T.eq(found.source, 'bt', 'source')
  T.eq(found.severity, vim.diagnostic.severity.ERROR, 'severity')
  return found
end

if server == '' or vim.fn.executable(server) ~= 1 then
  T.test('bt-lsp was built for the end-to-end test', function()
    error('BT_LSP is not an executable: ' .. vim.inspect(server))
  end)
  T.finish()
  return
end

bt.setup({ cmd = { server, '--log', log } })

T.test('a syntax error is published at its line and column, source "bt"', function()
  local bufnr = open(script('syntax.bt', {
    'kprobe:vfs_read {',
    '  @bytes = arg2 + ;',
    '}',
  }))
  local d = wait_diagnostic(bufnr, { lnum = 1, col = 18, code = 'syntax' })
  T.ok(d.message:find('expected an expression', 1, true), d.message)
end)

T.test('semantic errors (map type conflict, unknown identifier) are published where they are', function()
  local bufnr = open(script('semantic.bt', {
    'kprobe:vfs_read {',
    '  @last = 1;',
    '  @last = "read";',
    '  $t = nsec;',
    '}',
  }))
  local d = wait_diagnostic(bufnr, { lnum = 2, col = 2, code = 'map-type-conflict' })
  T.ok(d.message:find('@last', 1, true), d.message)
  T.eq(d.end_lnum, 2, 'end line')
  d = wait_diagnostic(bufnr, { lnum = 3, col = 7, code = 'unknown-identifier' })
  T.eq(d.end_col, 11, 'end column')
  T.ok(d.message:find('nsec', 1, true), d.message)
  for _, dg in ipairs(vim.diagnostic.get(bufnr)) do
    T.ok(dg.code ~= 'syntax', 'a valid script got a syntax error: ' .. dg.message)
  end
end)

if no_btf then
  T.skip('completion after tracepoint:sched: offers sched_switch', no_btf)
  T.skip('completion after curtask-> and curtask. offers task_struct members', no_btf)
else
  T.test('completion after tracepoint:sched: offers sched_switch', function()
    local bufnr = open(script('tracepoint.bt', { 'tracepoint:sched: { }' }))
    cursor_after(1, 'tracepoint:sched:')
    local labels, n = completion_labels(bufnr)
    T.ok(labels.sched_switch, string.format('sched_switch not among %d items: %s', n, show(labels)))
    T.ok(labels.sched_wakeup, 'sched_wakeup not offered: ' .. show(labels))
    T.ok(labels.sys_enter_openat == nil, 'a syscalls event offered after tracepoint:sched:')
  end)

  T.test('completion after curtask-> and curtask. offers task_struct members', function()
    local bufnr = open(script('curtask.bt', {
      'kprobe:vfs_read {',
      '  $p = curtask->;',
      '  $q = curtask.;',
      '}',
    }))
    for _, at in ipairs({ { 2, 'curtask->' }, { 3, 'curtask.' } }) do
      local lnum, op = at[1], at[2]
      cursor_after(lnum, op)
      local labels, n = completion_labels(bufnr)
      for _, want in ipairs({ 'pid', 'comm', 'tgid' }) do
        T.ok(labels[want], string.format('after %s: %s not among %d items: %s', op, want, n, show(labels)))
        T.eq(labels[want].kind, vim.lsp.protocol.CompletionItemKind.Field, op .. want .. ' kind')
      end
      T.ok(labels.nsecs == nil, 'after ' .. op .. ': a builtin is offered among the members')
    end
  end)
end

T.test('hover on the builtins nsecs and printf shows their documentation', function()
  local bufnr = open(script('hover.bt', { 'kprobe:vfs_read { printf("%d\\n", nsecs); }' }))
  for _, c in ipairs({ { 'nsecs', 'timestamp in nanoseconds' }, { 'printf', "Formats the arguments like C's `printf`" } }) do
    local word, want = c[1], c[2]
    cursor_on(1, word)
    local h = request(bufnr, 'textDocument/hover')
    T.ok(h and h.contents, word .. ': no hover')
    local text = type(h.contents) == 'table' and (h.contents.value or vim.inspect(h.contents)) or tostring(h.contents)
    T.ok(text:find(want, 1, true), string.format('hover on %s lacks %q:\n%s', word, want, text))
  end
end)

T.test('definition of a C function declared in an imported .bpf.c lands on its name', function()
  local lib = script('lib.bpf.c', {
    '// lib.bpf.c: helpers for the script',
    'int add_one(int x)',
    '{',
    '  return x + 1;',
    '}',
  })
  local bufnr = open(script('usesc.bt', {
    'import "lib.bpf.c";',
    'kprobe:vfs_read { $v = add_one(1); }',
  }))
  -- the import path leads to the file
  cursor_on(1, 'lib.bpf.c')
  local locs = request(bufnr, 'textDocument/definition') or {}
  T.eq(#locs, 1, 'locations of the import path: ' .. vim.inspect(locs))
  T.eq(vim.uri_to_fname(locs[1].uri), lib, 'the import path leads to')

  -- the C function leads to its name in lib.bpf.c
  cursor_on(2, 'add_one')
  locs = request(bufnr, 'textDocument/definition')
  if locs and (locs.uri or locs.targetUri) then
    locs = { locs }
  end
  locs = locs or {}
  local diags = vim.tbl_map(function(d)
    return string.format('%d:%d %s', d.lnum + 1, d.col + 1, d.message)
  end, vim.diagnostic.get(bufnr))
  T.eq(#locs, 1, 'locations of add_one (diagnostics: ' .. table.concat(diags, '; ') .. ')')
  local loc = locs[1]
  local uri = loc.uri or loc.targetUri
  local range = loc.range or loc.targetSelectionRange
  T.eq(vim.uri_to_fname(uri), lib, 'add_one is defined in')
  T.eq({ range.start.line, range.start.character }, { 1, 4 }, 'add_one is defined at (0-based line, character)')
  -- and jumping there opens lib.bpf.c with the cursor on the name
  vim.lsp.util.jump_to_location(loc, 'utf-16')
  T.eq(vim.api.nvim_buf_get_name(0), lib, 'buffer after the jump')
  T.eq(vim.api.nvim_win_get_cursor(0), { 2, 4 }, 'cursor after the jump')
end)

T.test('bt-lsp exits when its client stops', function()
  local n = #bt.clients()
  T.eq(n, 1, 'one bt-lsp for the directory')
  for _, c in ipairs(bt.clients()) do
    c.stop()
  end
  T.ok(vim.wait(WAIT, function()
    return #bt.clients() == 0
  end, 20), 'bt-lsp still running ' .. WAIT .. ' ms after stop()')
end)

if T.failed > 0 and vim.fn.filereadable(log) == 1 then
  io.stdout:write('# bt-lsp log (' .. log .. '), last lines:\n')
  local lines = vim.fn.readfile(log)
  for i = math.max(1, #lines - 40), #lines do
    io.stdout:write('#   ' .. lines[i] .. '\n')
  end
end
vim.fn.delete(dir, 'rf')
T.finish()
