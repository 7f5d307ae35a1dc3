" bpftrace buffers in Vim: C-like comments and bpftrace's own style, which
" its formatter prints with two-space indentation and no tabs. The same
" settings as editors/nvim/ftplugin/bpftrace.lua, in Vimscript.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal expandtab shiftwidth=2 softtabstop=2 tabstop=8
" continue comments, wrap comment text at 'textwidth', no auto-wrap of code
setlocal formatoptions-=t formatoptions+=croql
" bpftrace's blocks are C's: cindent, without C's label and case rules,
" which would misplace `kprobe:f` probe lines and `? :` continuations.
setlocal cindent cinoptions=L0,:0,l1,(0,W2,j1,J1 cinkeys-=: cinwords=if,else,while,for,unroll
" $x and @x are one word for *, ciw and completion
setlocal iskeyword+=$ iskeyword+=@-@
setlocal suffixesadd+=.bt

let b:undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< tabstop<'
      \ . ' formatoptions< cindent< cinoptions< cinkeys< cinwords< iskeyword< suffixesadd<'

let &cpo = s:cpo_save
unlet s:cpo_save
