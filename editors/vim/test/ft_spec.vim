" Filetype detection, ftplugin options, indentation and the syntax file in
" Vim, with the plugin loaded as a user loads it (run.sh puts editors/vim on
" 'runtimepath' or 'packpath' before startup). The same cases as
" editors/nvim/test/ft_spec.lua.
"
" Results are written, one "ok - " / "not ok - " line per test and a closing
" count, to $BT_TEST_OUT (silent Ex mode has no usable stdout); Vim exits
" non-zero when a test failed.
let s:out = []
let s:passed = 0
let s:failed = 0
let s:label = empty($BT_TEST_LABEL) ? '' : '[' . $BT_TEST_LABEL . '] '
let s:dir = tempname()

" Runs the function named fn as the test `name`: it fails when it throws or
" when one of Vim's assert_*() calls records an error in v:errors.
function s:Test(name, fn) abort
  let v:errors = []
  try
    call call(a:fn, [])
  catch
    call add(v:errors, v:exception . ' at ' . v:throwpoint)
  endtry
  if empty(v:errors)
    let s:passed += 1
    call add(s:out, 'ok - ' . s:label . a:name)
  else
    let s:failed += 1
    call add(s:out, 'not ok - ' . s:label . a:name)
    for e in v:errors
      call add(s:out, '    ' . e)
    endfor
  endif
endfunction

function s:Write(path, lines) abort
  call mkdir(fnamemodify(a:path, ':h'), 'p')
  call writefile(a:lines, a:path)
  return a:path
endfunction

function s:Edit(path) abort
  silent! %bwipeout!
  execute 'edit ' . fnameescape(a:path)
endfunction

" The syntax group at the first occurrence of text on line lnum.
function s:GroupAt(lnum, text) abort
  let col = stridx(getline(a:lnum), a:text)
  if col < 0
    throw printf('%s not on line %d: %s', string(a:text), a:lnum, getline(a:lnum))
  endif
  return synIDattr(synID(a:lnum, col + 1, 1), 'name')
endfunction

let s:script = [
      \ '#!/usr/bin/env bpftrace',
      \ '#include <linux/sched.h>',
      \ '// count reads per process',
      \ 'kprobe:vfs_read /pid != 0/ {',
      \ '  @reads[comm] = count();',
      \ '  $n = arg2;',
      \ '  if ($n > 4096) { printf("big %s %d\n", comm, $n); }',
      \ '  @lat = hist($1 + 10ms);',
      \ '}',
      \ 'uprobe:/bin/bash:readline { print(retval); }',
      \ ]

function s:BtFiles() abort
  call s:Edit(s:Write(s:dir . '/count.bt', s:script))
  call assert_equal('bpftrace', &filetype)
endfunction
call s:Test('*.bt files are bpftrace', 's:BtFiles')

function s:NewBtBuffer() abort
  call s:Edit(s:dir . '/new_file.bt')
  call assert_equal('bpftrace', &filetype)
endfunction
call s:Test('a new *.bt buffer is bpftrace', 's:NewBtBuffer')

for s:case in [
      \ ['env bpftrace', '#!/usr/bin/env bpftrace'],
      \ ['bpftrace with flags', '#!/usr/bin/bpftrace -q'],
      \ ['env -S bt run', '#!/usr/bin/env -S bt run'],
      \ ['bt', '#!/opt/bt/bin/bt run'],
      \ ]
  let s:shebang = s:case[1]
  function! s:Shebang() abort
    call s:Edit(s:Write(s:dir . '/tool-' . substitute(s:shebang, '\W', '_', 'g'), [s:shebang, 'begin { exit(); }']))
    call assert_equal('bpftrace', &filetype, s:shebang)
  endfunction
  call s:Test('shebang without extension: ' . s:case[0], 's:Shebang')
endfor

function s:OtherShebangs() abort
  call s:Edit(s:Write(s:dir . '/run.sh', ['#!/bin/sh', 'echo hi']))
  call assert_equal('sh', &filetype)
  call s:Edit(s:Write(s:dir . '/fsck-tool', ['#!/usr/bin/env btrfs-check', 'x']))
  call assert_notequal('bpftrace', &filetype, 'btrfs-check is not bt')
endfunction
call s:Test('other shebangs are left alone', 's:OtherShebangs')

function s:Options() abort
  call s:Edit(s:dir . '/count.bt')
  call assert_equal('// %s', &l:commentstring)
  call assert_match('://', &l:comments)
  call assert_equal([2, 2, 1], [&l:shiftwidth, &l:softtabstop, &l:expandtab])
  call assert_true(&l:cindent, 'cindent')
  call assert_match('\$', &l:iskeyword)
  call assert_true(exists('b:undo_ftplugin'), 'b:undo_ftplugin is set')
endfunction
call s:Test('ftplugin sets comments and two-space indentation', 's:Options')

function s:Undo() abort
  call s:Edit(s:dir . '/count.bt')
  setlocal filetype=text
  call assert_notequal('// %s', &l:commentstring, 'commentstring was restored')
  call assert_false(&l:cindent, 'cindent was restored')
endfunction
call s:Test('undo_ftplugin restores options when the filetype changes', 's:Undo')

function s:Indent() abort
  call s:Edit(s:Write(s:dir . '/indent.bt', [
        \ 'kprobe:vfs_read /pid == 1/ {',
        \ '@x[tid] = 1;',
        \ 'if (@x[tid] > 0) {',
        \ 'printf("%d\n", tid);',
        \ '} else {',
        \ 'delete(@x, tid);',
        \ '}',
        \ '}',
        \ 'interval:s:1',
        \ '{',
        \ '$a = 1 ? 2 : 3;',
        \ '}',
        \ ]))
  silent normal! gg=G
  call assert_equal([
        \ 'kprobe:vfs_read /pid == 1/ {',
        \ '  @x[tid] = 1;',
        \ '  if (@x[tid] > 0) {',
        \ '    printf("%d\n", tid);',
        \ '  } else {',
        \ '    delete(@x, tid);',
        \ '  }',
        \ '}',
        \ 'interval:s:1',
        \ '{',
        \ '  $a = 1 ? 2 : 3;',
        \ '}',
        \ ], getline(1, '$'))
endfunction
call s:Test('= indents blocks by two spaces', 's:Indent')

function s:Syntax() abort
  call s:Edit(s:dir . '/count.bt')
  call assert_equal('bpftrace', get(b:, 'current_syntax', ''))
  for [lnum, text, group] in [
        \ [1, '#!', 'bpftraceShebang'],
        \ [2, '<linux', 'bpftraceIncluded'],
        \ [3, 'count reads', 'bpftraceComment'],
        \ [4, 'kprobe', 'bpftraceProbe'],
        \ [4, 'vfs_read', 'bpftraceAttachPoint'],
        \ [4, 'pid', 'bpftraceBuiltin'],
        \ [5, '@reads', 'bpftraceMap'],
        \ [5, 'comm', 'bpftraceBuiltin'],
        \ [5, 'count', 'bpftraceAggregation'],
        \ [6, '$n', 'bpftraceVariable'],
        \ [6, 'arg2', 'bpftraceBuiltin'],
        \ [7, 'if', 'bpftraceConditional'],
        \ [7, '4096', 'bpftraceNumber'],
        \ [7, 'printf', 'bpftraceFunction'],
        \ [7, 'big', 'bpftraceString'],
        \ [7, '%s', 'bpftraceFormat'],
        \ [7, '\n', 'bpftraceEscape'],
        \ [8, '$1', 'bpftracePositional'],
        \ [8, '10ms', 'bpftraceNumber'],
        \ [10, 'uprobe', 'bpftraceProbe'],
        \ [10, '/bin/bash', 'bpftraceAttachPoint'],
        \ [10, 'retval', 'bpftraceBuiltin'],
        \ ]
    call assert_equal(group, s:GroupAt(lnum, text), printf('line %d, %s', lnum, text))
  endfor
endfunction
call s:Test('the syntax file loads and names the parts of a script', 's:Syntax')

function s:Links() abort
  call s:Edit(s:dir . '/count.bt')
  for [group, want] in items({'bpftraceProbe': 'Keyword', 'bpftraceComment': 'Comment', 'bpftraceString': 'String', 'bpftraceFunction': 'Function'})
    call assert_equal(want, matchstr(execute('highlight ' . group), 'links to \zs\w\+'), group)
  endfor
endfunction
call s:Test('highlight groups link to standard groups', 's:Links')

call delete(s:dir, 'rf')
call add(s:out, printf('# %s%d passed, %d failed', empty($BT_TEST_LABEL) ? '' : $BT_TEST_LABEL . ': ', s:passed, s:failed))
call writefile(s:out, $BT_TEST_OUT)
if s:failed > 0
  cquit 1
endif
qall!
