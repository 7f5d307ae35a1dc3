" Vim syntax file
" Language:    bpftrace
" Maintainer:  the bt project (editors/nvim)
" Filenames:   *.bt, scripts with a bpftrace or bt shebang

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Word boundaries do not follow the buffer's 'iskeyword' (which has $ and @).
syntax iskeyword @,48-57,_,192-255
syntax case match

" Comments, shebang
syntax keyword bpftraceTodo contained TODO FIXME XXX NOTE
syntax match   bpftraceComment "//.*$" contains=bpftraceTodo,@Spell
syntax region  bpftraceComment start="/\*" end="\*/" contains=bpftraceTodo,@Spell
syntax match   bpftraceShebang "\%^#!.*$"

" C preprocessor lines
syntax region  bpftracePreProc start="^\s*#\s*\%(if\|ifdef\|ifndef\|elif\|else\|endif\|define\|undef\|pragma\|error\|warning\|line\)\>" skip="\\$" end="$" contains=bpftraceComment,bpftraceString,bpftraceNumber
syntax match   bpftraceInclude "^\s*#\s*include\>.*$" contains=bpftraceIncluded
syntax match   bpftraceIncluded contained "<[^>]*>\|\"[^\"]*\""

" Strings with escapes and printf format specifiers
syntax region  bpftraceString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=bpftraceEscape,bpftraceFormat,@Spell
syntax match   bpftraceEscape contained "\\\%(\o\{1,3}\|x\x\{1,2}\|[ntrabfve\\"'?]\)"
syntax match   bpftraceFormat contained "%%\|%[-+ #0]*\%(\d\+\|\*\)\=\%(\.\%(\d\+\|\*\)\)\=\%(r[xh]\=\|\%(hh\|h\|ll\|l\|j\|z\|t\)\=[diouxXcsp]\)"

" Integers: bases, _ separators, exponents, time and C size suffixes
syntax match   bpftraceNumber "\<0[xX]\x[0-9a-fA-F_]*\%([uU][lL]\{,2}\|[lL]\{1,2}\)\=\>"
syntax match   bpftraceNumber "\<\d[0-9_]*\%([eE]\d\+\)\=\%(ns\|us\|ms\|s\|m\|h\|d\|[uU][lL]\{,2}\|[lL]\{1,2}\)\=\>"

" Probes: a provider (or its alias) followed by ':' at the start of a line
" or after a comma, and the special begin/end probes.
syntax match   bpftraceProbe "\%(^\|,\)\s*\zs\%(kprobe\|kretprobe\|kr\|k\|fentry\|fexit\|kfunc\|kretfunc\|fr\|f\|tracepoint\|t\|rawtracepoint\|rt\|uprobe\|uretprobe\|ur\|u\|usdt\|U\|profile\|p\|interval\|i\|software\|s\|hardware\|h\|watchpoint\|w\|asyncwatchpoint\|aw\|iter\|it\|self\|test\|bench\)\ze:" nextgroup=bpftraceAttachPoint
syntax match   bpftraceAttachPoint contained ":\%(\"[^\"]*\"\|[^[:space:],{\"]\)*" contains=bpftraceWildcard,bpftracePositional
syntax match   bpftraceWildcard contained "\*"
syntax match   bpftraceProbe "^\s*\zs\%(BEGIN\|END\|begin\|end\)\>\ze\s*\%([,{/]\|$\)"

" Keywords
syntax keyword bpftraceConditional if else
syntax keyword bpftraceRepeat      for while unroll
syntax keyword bpftraceStatement   return break continue
syntax keyword bpftraceKeyword     let macro fn import config
syntax keyword bpftraceOperator    sizeof offsetof typeof typeinfo comptime
syntax keyword bpftraceBoolean     true false

" Types
syntax keyword bpftraceStructure struct union enum typedef
syntax keyword bpftraceType bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 string buffer inet void
syntax keyword bpftraceType char short int long unsigned signed float double const volatile
syntax keyword bpftraceType u8 u16 u32 u64 s8 s16 s32 s64 __u8 __u16 __u32 __u64 __s8 __s16 __s32 __s64
syntax match   bpftraceType "\<\h\w*_t\>"

" Variables: maps (@name, @), scratch ($name), positional ($1, $#)
syntax match   bpftraceMap "@\%(\h\w*\)\="
syntax match   bpftraceVariable "\$\h\w*"
syntax match   bpftracePositional "\$\%(\d\+\|#\)"

" Builtins usable without parentheses, and the probe-context variables
syntax keyword bpftraceBuiltin args ctx retval cgroup comm cpid cpu curtask elapsed func gid has_cpid jiffies
syntax keyword bpftraceBuiltin kstack leader_comm leader_tid ncpus nsecs numaid pcomm pid ppid probe probetype
syntax keyword bpftraceBuiltin rand tid uid usermode username ustack default_str_length
syntax match   bpftraceBuiltin "\<s\=arg\d\+\>"
syntax match   bpftraceBuiltin "\<__builtin_\w\+\>"

" Standard library helpers and map value functions, when called
syntax match   bpftraceFunction "\<\%(assert\|assert_str\|bswap\|buf\|cat\|cgroup\|cgroup_path\|cgroupid\|clear\|comm\|config\|container_of\|cpid\|cpu\|curtask\|default_str_length\|delete\|dw_ustack\|elapsed\|errorf\|exit\|fail\|find\|func\|getopt\|gid\|has_cpid\|has_key\|is_array\|is_err\|is_integer\|is_literal\|is_ptr\|is_str\|is_unsigned_integer\|jiffies\|join\|kaddr\|kfunc_allowed\|kfunc_exist\|kptr\|kstack\|ksym\|leader_comm\|leader_tid\|len\|macaddr\|memcmp\|ncpus\|nsecs\|ntop\|numaid\|override\|path\|pcomm\|percpu_kaddr\|pid\|ppid\|print\|printf\|probe\|probetype\|pton\|rand\|reg\|retval\|signal\|signal_name\|signal_thread\|skboutput\|socket_cookie\|static_assert\|str\|str_concat\|strcap\|strcontains\|strerror\|strftime\|strlen\|strncmp\|strstr\|syscall_name\|system\|tid\|time\|uaddr\|uid\|unwatch\|uptr\|usermode\|username\|ustack\|usym\|warnf\|write_user\|zero\)\>\ze\s*("
syntax match   bpftraceAggregation "\<\%(avg\|count\|hist\|lhist\|max\|min\|stats\|sum\|tseries\)\>\ze\s*("
syntax match   bpftraceMapType "\<\%(hash\|lruhash\|percpuhash\|percpulruhash\|percpuarray\)\>\ze\s*("

" ALL_CAPS names come from #define or C enums
syntax match   bpftraceMacroConstant "\<\u[A-Z0-9_]*[A-Z0-9]\>" contains=NONE

highlight default link bpftraceTodo          Todo
highlight default link bpftraceComment       Comment
highlight default link bpftraceShebang       PreProc
highlight default link bpftracePreProc       PreProc
highlight default link bpftraceInclude       Include
highlight default link bpftraceIncluded      String
highlight default link bpftraceString        String
highlight default link bpftraceEscape        SpecialChar
highlight default link bpftraceFormat        SpecialChar
highlight default link bpftraceNumber        Number
highlight default link bpftraceProbe         Keyword
highlight default link bpftraceAttachPoint   Function
highlight default link bpftraceWildcard      Special
highlight default link bpftraceConditional   Conditional
highlight default link bpftraceRepeat        Repeat
highlight default link bpftraceStatement     Statement
highlight default link bpftraceKeyword       Keyword
highlight default link bpftraceOperator      Operator
highlight default link bpftraceBoolean       Boolean
highlight default link bpftraceStructure     Structure
highlight default link bpftraceType          Type
highlight default link bpftraceMap           Identifier
highlight default link bpftraceVariable      Identifier
highlight default link bpftracePositional    Special
highlight default link bpftraceBuiltin       Special
highlight default link bpftraceFunction      Function
highlight default link bpftraceAggregation   Function
highlight default link bpftraceMapType       Type
highlight default link bpftraceMacroConstant Constant

let b:current_syntax = 'bpftrace'

let &cpo = s:cpo_save
unlet s:cpo_save
