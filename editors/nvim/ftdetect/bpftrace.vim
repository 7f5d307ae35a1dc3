" bpftrace: *.bt files and scripts whose first line is a bpftrace or bt
" shebang (#!/usr/bin/env bpftrace, #!/usr/bin/env -S bt run, ...).
" Vimscript so that it works in every Neovim (0.7's vim.filetype.add is only
" consulted with g:do_filetype_lua) and in Vim.
autocmd BufNewFile,BufRead *.bt setfiletype bpftrace
autocmd BufNewFile,BufRead * if getline(1) =~# '^#!.*[/[:space:]]\%(bpftrace\|bt\)\%([[:space:]]\|$\)' | setfiletype bpftrace | endif
