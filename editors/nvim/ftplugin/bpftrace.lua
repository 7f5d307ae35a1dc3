-- bpftrace buffers: C-like comments and bpftrace's own style, which its
-- formatter prints with two-space indentation and no tabs.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

local opt = vim.opt_local
opt.commentstring = '// %s'
opt.comments = 's1:/*,mb:*,ex:*/,://'
opt.expandtab = true
opt.shiftwidth = 2
opt.softtabstop = 2
opt.tabstop = 8
-- continue comments, wrap comment text at 'textwidth', no auto-wrap of code
opt.formatoptions:remove('t')
opt.formatoptions:append('croql')
-- bpftrace's blocks are C's: cindent, without C's label and case rules,
-- which would misplace `kprobe:f` probe lines and `? :` continuations.
opt.cindent = true
opt.cinoptions = 'L0,:0,l1,(0,W2,j1,J1'
opt.cinkeys:remove(':')
opt.cinwords = 'if,else,while,for,unroll'
-- $x and @x are one word for *, ciw and completion
opt.iskeyword:append('$')
opt.iskeyword:append('@-@')
opt.suffixesadd:append('.bt')

vim.b.undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< tabstop<'
  .. ' formatoptions< cindent< cinoptions< cinkeys< cinwords< iskeyword< suffixesadd<'
