-- Filetype detection, ftplugin options and the syntax file, loaded the way a
-- user loads the plugin (run.sh puts editors/nvim on 'runtimepath' or
-- 'packpath' before startup).
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/') or '.'
local T = dofile(here .. '/harness.lua')
local dir = vim.fn.tempname()

local script = {
  '#!/usr/bin/env bpftrace',
  '#include <linux/sched.h>',
  '// count reads per process',
  'kprobe:vfs_read /pid != 0/ {',
  '  @reads[comm] = count();',
  '  $n = arg2;',
  '  if ($n > 4096) { printf("big %s %d\\n", comm, $n); }',
  '  @lat = hist($1 + 10ms);',
  '}',
  'uprobe:/bin/bash:readline { print(retval); }',
}

local function group_at(lnum, text)
  local line = vim.fn.getline(lnum)
  local col = line:find(text, 1, true)
  assert(col, string.format('%q not on line %d: %q', text, lnum, line))
  return vim.fn.synIDattr(vim.fn.synID(lnum, col, 1), 'name')
end

T.test('*.bt files are bpftrace', function()
  T.edit(T.write(dir .. '/count.bt', script))
  T.eq(vim.bo.filetype, 'bpftrace')
end)

T.test('a new *.bt buffer is bpftrace', function()
  T.edit(dir .. '/new_file.bt')
  T.eq(vim.bo.filetype, 'bpftrace')
end)

for _, case in ipairs({
  { 'env bpftrace', '#!/usr/bin/env bpftrace' },
  { 'bpftrace with flags', '#!/usr/bin/bpftrace -q' },
  { 'env -S bt run', '#!/usr/bin/env -S bt run' },
  { 'bt', '#!/opt/bt/bin/bt run' },
}) do
  T.test('shebang without extension: ' .. case[1], function()
    T.edit(T.write(dir .. '/tool-' .. case[1]:gsub('%W', '_'), { case[2], 'begin { exit(); }' }))
    T.eq(vim.bo.filetype, 'bpftrace')
  end)
end

T.test('other shebangs are left alone', function()
  T.edit(T.write(dir .. '/run.sh', { '#!/bin/sh', 'echo hi' }))
  T.eq(vim.bo.filetype, 'sh')
  T.edit(T.write(dir .. '/fsck-tool', { '#!/usr/bin/env btrfs-check', 'x' }))
  T.ok(vim.bo.filetype ~= 'bpftrace', 'btrfs-check is not bt')
end)

T.test('ftplugin sets comments and two-space indentation', function()
  T.edit(dir .. '/count.bt')
  T.eq(vim.bo.commentstring, '// %s')
  T.ok(vim.bo.comments:find('://', 1, true), 'comments has //: ' .. vim.bo.comments)
  T.eq({ vim.bo.shiftwidth, vim.bo.softtabstop, vim.bo.expandtab }, { 2, 2, true })
  T.ok(vim.bo.iskeyword:find('$', 1, true), '$ is a keyword character')
  T.ok(vim.b.undo_ftplugin ~= nil, 'b:undo_ftplugin is set')
end)

T.test('undo_ftplugin restores options when the filetype changes', function()
  T.edit(dir .. '/count.bt')
  vim.cmd('setlocal filetype=text')
  T.ok(vim.bo.commentstring ~= '// %s', 'commentstring was restored')
  T.ok(not vim.bo.cindent, 'cindent was restored')
end)

T.test('= indents blocks by two spaces', function()
  local bufnr = T.edit(T.write(dir .. '/indent.bt', {
    'kprobe:vfs_read /pid == 1/ {',
    '@x[tid] = 1;',
    'if (@x[tid] > 0) {',
    'printf("%d\\n", tid);',
    '} else {',
    'delete(@x, tid);',
    '}',
    '}',
    'interval:s:1',
    '{',
    '$a = 1 ? 2 : 3;',
    '}',
  }))
  vim.cmd('silent normal! gg=G')
  T.eq(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), {
    'kprobe:vfs_read /pid == 1/ {',
    '  @x[tid] = 1;',
    '  if (@x[tid] > 0) {',
    '    printf("%d\\n", tid);',
    '  } else {',
    '    delete(@x, tid);',
    '  }',
    '}',
    'interval:s:1',
    '{',
    '  $a = 1 ? 2 : 3;',
    '}',
  })
end)

T.test('the syntax file loads and names the parts of a script', function()
  T.edit(dir .. '/count.bt')
  T.eq(vim.b.current_syntax, 'bpftrace')
  T.eq(group_at(1, '#!'), 'bpftraceShebang')
  T.eq(group_at(2, '<linux'), 'bpftraceIncluded')
  T.eq(group_at(3, 'count reads'), 'bpftraceComment')
  T.eq(group_at(4, 'kprobe'), 'bpftraceProbe')
  T.eq(group_at(4, 'vfs_read'), 'bpftraceAttachPoint')
  T.eq(group_at(4, 'pid'), 'bpftraceBuiltin')
  T.eq(group_at(5, '@reads'), 'bpftraceMap')
  T.eq(group_at(5, 'comm'), 'bpftraceBuiltin')
  T.eq(group_at(5, 'count'), 'bpftraceAggregation')
  T.eq(group_at(6, '$n'), 'bpftraceVariable')
  T.eq(group_at(6, 'arg2'), 'bpftraceBuiltin')
  T.eq(group_at(7, 'if'), 'bpftraceConditional')
  T.eq(group_at(7, '4096'), 'bpftraceNumber')
  T.eq(group_at(7, 'printf'), 'bpftraceFunction')
  T.eq(group_at(7, 'big'), 'bpftraceString')
  T.eq(group_at(7, '%s'), 'bpftraceFormat')
  T.eq(group_at(7, '\\n'), 'bpftraceEscape')
  T.eq(group_at(8, '$1'), 'bpftracePositional')
  T.eq(group_at(8, '10ms'), 'bpftraceNumber')
  T.eq(group_at(10, 'uprobe'), 'bpftraceProbe')
  T.eq(group_at(10, '/bin/bash'), 'bpftraceAttachPoint')
  T.eq(group_at(10, 'retval'), 'bpftraceBuiltin')
end)

T.test('highlight groups link to standard groups', function()
  T.edit(dir .. '/count.bt')
  for group, want in pairs({ bpftraceProbe = 'Keyword', bpftraceComment = 'Comment', bpftraceString = 'String', bpftraceFunction = 'Function' }) do
    local hi = vim.api.nvim_exec('highlight ' .. group, true)
    T.eq(hi:match('links to (%w+)'), want, group)
  end
end)

vim.fn.delete(dir, 'rf')
T.finish()
