-- A small test harness for headless Neovim: run with
--   nvim --headless --clean ... -c 'luafile test/<spec>.lua'
-- Each spec requires this file, calls T.test(...) and ends with T.finish(),
-- which prints one line per test and quits with a non-zero status on failure.
local T = { passed = 0, failed = 0, skipped = 0, label = os.getenv('BT_TEST_LABEL') or '' }

local function out(s)
  io.stdout:write(s .. '\n')
end

function T.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  local full = (T.label ~= '' and ('[' .. T.label .. '] ') or '') .. name
  if ok then
    T.passed = T.passed + 1
    out('ok - ' .. full)
  else
    T.failed = T.failed + 1
    out('not ok - ' .. full)
    for line in tostring(err):gmatch('[^\n]+') do
      out('    ' .. line)
    end
  end
end

-- A test that cannot run here; prints "skip - name: why".
function T.skip(name, why)
  T.skipped = T.skipped + 1
  out('skip - ' .. (T.label ~= '' and ('[' .. T.label .. '] ') or '') .. name .. ': ' .. why)
end

function T.eq(got, want, what)
  if not vim.deep_equal(got, want) then
    error(string.format('%s\n      got:  %s\n      want: %s', what or 'values differ', vim.inspect(got), vim.inspect(want)), 2)
  end
end

function T.ok(cond, what)
  if not cond then
    error(what or 'condition is false', 2)
  end
end

-- Writes `lines` to `path` (creating directories) and returns path.
function T.write(path, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  vim.fn.writefile(lines, path)
  return path
end

-- Opens a file in a fresh buffer and returns the buffer number.
function T.edit(path)
  vim.cmd('silent! %bwipeout!')
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

function T.finish()
  local skipped = T.skipped > 0 and string.format(', %d skipped', T.skipped) or ''
  out(string.format('# %s%d passed, %d failed%s', T.label ~= '' and (T.label .. ': ') or '', T.passed, T.failed, skipped))
  io.stdout:flush()
  vim.cmd(T.failed > 0 and 'cquit 1' or 'qall!')
end

return T
