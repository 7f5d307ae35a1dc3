// The source of syntaxes/bpftrace.tmLanguage.json. Regular expressions are
// written here as JavaScript strings built from named pieces so that each
// probe provider's shape reads as one line; `npm run grammar` writes the
// JSON, and the unit tests fail if the committed JSON is out of date.

// ---------------------------------------------------------------- word lists

// Every helper in bpftrace's standard library (docs/stdlib.md, "Helpers").
export const STDLIB_FUNCTIONS = [
  'assert', 'assert_str', 'bswap', 'buf', 'cat', 'cgroup', 'cgroup_path',
  'cgroupid', 'clear', 'comm', 'config', 'container_of', 'cpid', 'cpu',
  'curtask', 'default_str_length', 'delete', 'dw_ustack', 'elapsed', 'errorf',
  'exit', 'fail', 'find', 'func', 'getopt', 'gid', 'has_cpid', 'has_key',
  'is_array', 'is_err', 'is_integer', 'is_literal', 'is_ptr', 'is_str',
  'is_unsigned_integer', 'jiffies', 'join', 'kaddr', 'kfunc_allowed',
  'kfunc_exist', 'kptr', 'kstack', 'ksym', 'leader_comm', 'leader_tid', 'len',
  'macaddr', 'memcmp', 'ncpus', 'nsecs', 'ntop', 'numaid', 'override', 'path',
  'pcomm', 'percpu_kaddr', 'pid', 'ppid', 'print', 'printf', 'probe',
  'probetype', 'pton', 'rand', 'reg', 'retval', 'signal', 'signal_name',
  'signal_thread', 'skboutput', 'socket_cookie', 'static_assert', 'str',
  'str_concat', 'strcap', 'strcontains', 'strerror', 'strftime', 'strlen',
  'strncmp', 'strstr', 'syscall_name', 'system', 'tid', 'time', 'uaddr', 'uid',
  'unwatch', 'uptr', 'usermode', 'username', 'ustack', 'usym', 'warnf',
  'write_user', 'zero',
];

// Map value functions (docs/stdlib.md, "Map Value Functions").
export const MAP_FUNCTIONS = [
  'avg', 'count', 'hist', 'lhist', 'max', 'min', 'stats', 'sum', 'tseries',
];

// Map types accepted by a map declaration: `let @m = lruhash(100);`.
export const MAP_TYPES = ['hash', 'lruhash', 'percpuhash', 'percpulruhash', 'percpuarray'];

// Helpers that may be used without parentheses (`pid`, `comm`, ...), plus the
// probe-context builtins. Highlighted as language variables when bare.
export const BUILTIN_VARIABLES = [
  'args', 'ctx', 'retval', 'cgroup', 'comm', 'config', 'cpid', 'cpu', 'curtask',
  'default_str_length', 'elapsed', 'func', 'gid', 'has_cpid', 'jiffies',
  'kstack', 'leader_comm', 'leader_tid', 'ncpus', 'nsecs', 'numaid', 'pcomm',
  'pid', 'ppid', 'probe', 'probetype', 'rand', 'tid', 'uid', 'usermode',
  'username', 'ustack',
];

// bpftrace's own type names and the C names it accepts in casts.
export const TYPES = [
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
  'uint64', 'string', 'buffer', 'inet', 'void', 'char', 'short', 'int', 'long',
  'float', 'double', '_Bool',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
  '__u8', '__u16', '__u32', '__u64', '__s8', '__s16', '__s32', '__s64',
  '__be16', '__be32', '__be64', '__le16', '__le32', '__le64',
];

// ---------------------------------------------------------- regex building

const words = (list) => list.map((w) => w.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|');

// Where a probe may start: not in the middle of a word, a path or a variable.
const PROBE_START = '(?<![\\w$@.\\-/*])';
// One colon-separated part of an attach point: names, globs, dots, dashes,
// and positional parameters ($1).
const COMP = '(?:[\\w.*?\\-]|\\$\\d+|\\[[\\w\\-]*\\])+';
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
// A binary or library: `/bin/bash`, `libc`, `"/a b/x.so"`. Two groups:
// quoted, unquoted.
const PATH = `(?:(${QUOTED})|((?:[^\\s:,{}@"]|\\$\\d+)+))`;
const OFFSET = '(?:0[xX][0-9a-fA-F]+|\\d+)';
const COUNT = '(?:\\$\\d+|\\d[\\d_]*(?:[eE]\\d+)?)';
const TIME_UNIT = '(?:hz|ns|us|ms|s|m|h|d)';
const RATE = `(?:\\$\\d+|\\d[\\d_]*(?:[eE]\\d+)?(?:ns|us|ms|s|m|h|d|hz)?)`;
// End of one attach point: blank, a list comma, a block, a predicate, a
// comment or the end of the line.
const PROBE_END = '(?=\\s|,|\\{|/|$)';

// A type as written in casts, annotations and sizeof: `struct sk_buff *`,
// `uint8[4]`, `unsigned long`, `pid_t`.
const TYPE_NAME = `(?:(?:struct|union|enum)\\s+[A-Za-z_]\\w*|(?:unsigned|signed)(?:\\s+(?:char|short|int|long(?:\\s+long)?))?|(?:long\\s+long|long\\s+int)|(?:${words(TYPES)})\\b|[A-Za-z_]\\w*_t\\b)`;
const TYPE_SUFFIX = '(?:\\s*(?:\\*|\\[\\s*(?:\\d+)?\\s*\\]))';
const TYPE_EXPR = `(?:(?:const|volatile)\\s+)*${TYPE_NAME}${TYPE_SUFFIX}*|[A-Za-z_]\\w*${TYPE_SUFFIX}*\\s*\\*`;

const cap = (...names) => Object.fromEntries(names.map((n, i) => [String(i + 1), n]).filter(([, n]) => n));
const scope = (name) => ({ name });
const withPatterns = (name, ...includes) => ({ name, patterns: includes.map((i) => ({ include: i })) });

// One rule for a provider: `providers` are its names and short aliases,
// `rest` the regex after the first colon, `captures` its scopes from 3 on.
function probe(key, providers, rest, restCaptures) {
  const captures = {
    1: scope('storage.type.probe.bpftrace'),
    2: scope('punctuation.separator.colon.bpftrace'),
  };
  restCaptures.forEach((c, i) => {
    if (c) captures[String(i + 3)] = typeof c === 'string' ? scope(c) : c;
  });
  return [key, {
    name: `meta.probe.${key}.bpftrace`,
    match: `${PROBE_START}(${words(providers)})(:)${rest}${PROBE_END}`,
    captures,
  }];
}

const SEP = 'punctuation.separator.colon.bpftrace';
const FUNC = withPatterns('entity.name.function.bpftrace', '#attach-glob');
const MODULE = withPatterns('entity.name.namespace.bpftrace', '#attach-glob');
const PATHCAPS = [withPatterns('string.quoted.double.path.bpftrace', '#string-escapes'),
  withPatterns('string.unquoted.path.bpftrace', '#attach-path')];
const NUM = withPatterns('constant.numeric.integer.bpftrace', '#positional');

// -------------------------------------------------------------- the grammar

const probes = [
  probe('probe-kprobe', ['kprobe', 'kretprobe', 'kr', 'k'],
    `(?:(${COMP})(:))?(${COMP})(?:(\\+)(${OFFSET}))?`,
    [MODULE, SEP, FUNC, 'keyword.operator.arithmetic.bpftrace', 'constant.numeric.integer.bpftrace']),
  probe('probe-fentry', ['fentry', 'fexit', 'kfunc', 'kretfunc', 'fr', 'f'],
    `(?:(${COMP})(:))?(?:(\\d+)(:))?(${COMP})`,
    [MODULE, SEP, 'constant.numeric.integer.bpftrace', SEP, FUNC]),
  probe('probe-rawtracepoint', ['rawtracepoint', 'rt'],
    `(?:(${COMP})(:))?(${COMP})`,
    [MODULE, SEP, FUNC]),
  probe('probe-tracepoint', ['tracepoint', 't'],
    `(${COMP})(:)(${COMP})`,
    [MODULE, SEP, FUNC]),
  probe('probe-uprobe-source', ['uprobe', 'uretprobe', 'ur', 'u'],
    `${PATH}(@)([^\\s:,{}]+)(:)(\\d+)(?:(:)(\\d+))?`,
    [...PATHCAPS, 'punctuation.separator.at.bpftrace', 'string.unquoted.path.source.bpftrace', SEP,
      'constant.numeric.integer.bpftrace', SEP, 'constant.numeric.integer.bpftrace']),
  probe('probe-uprobe', ['uprobe', 'uretprobe', 'ur', 'u'],
    `${PATH}(:)(?:(cpp)(:))?(${QUOTED}|${COMP})(?:(\\+)(${OFFSET}))?`,
    [...PATHCAPS, SEP, 'storage.modifier.language.bpftrace', SEP,
      withPatterns('entity.name.function.bpftrace', '#attach-quoted', '#attach-glob'),
      'keyword.operator.arithmetic.bpftrace', 'constant.numeric.integer.bpftrace']),
  probe('probe-usdt', ['usdt', 'U'],
    `${PATH}(?:(:)(${COMP}))?(:)(${COMP})`,
    [...PATHCAPS, SEP, MODULE, SEP, FUNC]),
  probe('probe-timer', ['profile', 'interval', 'p', 'i'],
    `(?:(${TIME_UNIT})(:)(${COUNT})|(${RATE}))`,
    ['keyword.other.unit.bpftrace', SEP, NUM, withPatterns('constant.numeric.integer.bpftrace', '#positional', '#number-suffix')]),
  probe('probe-hardware', ['hardware', 'h'],
    `(${COMP})(?:(:)(${COUNT})?)?`,
    [withPatterns('support.constant.event.bpftrace', '#attach-glob'), SEP, NUM]),
  probe('probe-software', ['software', 's'],
    `(${COMP})(?:(:)(${COUNT})?)?`,
    [withPatterns('support.constant.event.bpftrace', '#attach-glob'), SEP, NUM]),
  probe('probe-watchpoint', ['watchpoint', 'asyncwatchpoint', 'aw', 'w'],
    `(0[xX][0-9a-fA-F]+|\\d+|\\$\\d+|[A-Za-z_][\\w.]*\\+arg\\d+)(:)(\\d+)(:)([rwx]+)`,
    [withPatterns('constant.numeric.integer.hexadecimal.bpftrace', '#positional'), SEP,
      'constant.numeric.integer.bpftrace', SEP, 'support.constant.mode.bpftrace']),
  probe('probe-iter', ['iter', 'it'],
    `(${COMP})(?:(:)([^\\s,{}]+))?`,
    ['support.constant.iterator.bpftrace', SEP, 'string.unquoted.path.bpftrace']),
  probe('probe-self', ['self'],
    `(${COMP})(:)(${COMP})`,
    ['support.constant.event.bpftrace', SEP, 'support.constant.signal.bpftrace']),
  probe('probe-test', ['test', 'bench'],
    `(${COMP})`,
    [FUNC]),
];

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'bpftrace',
  scopeName: 'source.bpftrace',
  fileTypes: ['bt'],
  firstLineMatch: '^#!.*[/\\s](?:bpftrace|bt)(?:\\s|$)',
  patterns: [
    { include: '#shebang' },
    { include: '#comments' },
    { include: '#preprocessor' },
    { include: '#c-definition' },
    { include: '#c-typedef' },
    { include: '#config-block' },
    { include: '#import' },
    { include: '#map-declaration' },
    { include: '#macro-definition' },
    { include: '#fn-definition' },
    { include: '#probe-label' },
    { include: '#probes' },
    { include: '#predicate' },
    { include: '#block' },
    { include: '#punctuation' },
  ],
  repository: {
    shebang: {
      name: 'comment.line.shebang.bpftrace',
      match: '\\A(#!).*$',
      captures: cap('punctuation.definition.comment.bpftrace'),
    },

    comments: {
      patterns: [
        {
          name: 'comment.block.bpftrace',
          begin: '/\\*',
          end: '\\*/',
          beginCaptures: { 0: scope('punctuation.definition.comment.begin.bpftrace') },
          endCaptures: { 0: scope('punctuation.definition.comment.end.bpftrace') },
        },
        {
          name: 'comment.line.double-slash.bpftrace',
          begin: '//',
          end: '$',
          beginCaptures: { 0: scope('punctuation.definition.comment.bpftrace') },
        },
      ],
    },

    // ------------------------------------------------ C preprocessor lines
    preprocessor: {
      patterns: [
        {
          name: 'meta.preprocessor.include.bpftrace',
          match: '^\\s*(#)\\s*(include|include_next|import)\\b\\s*(?:(<[^>]*>)|("[^"]*"))?',
          captures: {
            1: scope('punctuation.definition.directive.bpftrace'),
            2: scope('keyword.control.directive.include.bpftrace'),
            3: scope('string.quoted.other.lt-gt.include.bpftrace'),
            4: scope('string.quoted.double.include.bpftrace'),
          },
        },
        {
          name: 'meta.preprocessor.macro.bpftrace',
          begin: '^\\s*(#)\\s*(define)\\s+([A-Za-z_]\\w*)(?:(\\()([^)]*)(\\)))?',
          end: '(?<!\\\\)(?=\\n)',
          beginCaptures: {
            1: scope('punctuation.definition.directive.bpftrace'),
            2: scope('keyword.control.directive.define.bpftrace'),
            3: scope('entity.name.function.preprocessor.bpftrace'),
            4: scope('punctuation.definition.parameters.begin.bpftrace'),
            5: scope('variable.parameter.preprocessor.bpftrace'),
            6: scope('punctuation.definition.parameters.end.bpftrace'),
          },
          patterns: [
            { match: '\\\\$', name: 'constant.character.escape.line-continuation.bpftrace' },
            { include: '#comments' },
            { include: '#strings' },
            { include: '#numbers' },
            { include: '#operators' },
            { include: '#c-types' },
          ],
        },
        {
          name: 'meta.preprocessor.bpftrace',
          begin: '^\\s*(#)\\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif|undef|pragma|error|warning|line)\\b',
          end: '(?<!\\\\)(?=\\n)',
          beginCaptures: {
            1: scope('punctuation.definition.directive.bpftrace'),
            2: scope('keyword.control.directive.conditional.bpftrace'),
          },
          patterns: [
            { match: '\\bdefined\\b', name: 'keyword.control.directive.defined.bpftrace' },
            { match: '\\\\$', name: 'constant.character.escape.line-continuation.bpftrace' },
            { include: '#comments' },
            { include: '#strings' },
            { include: '#numbers' },
            { include: '#operators' },
            { match: '\\b[A-Za-z_]\\w*\\b', name: 'entity.name.function.preprocessor.bpftrace' },
          ],
        },
      ],
    },

    // ------------------------------------------- embedded C type definitions
    'c-definition': {
      name: 'meta.c-definition.bpftrace',
      begin: '^\\s*(struct|union|enum)\\b(?!\\s*:)((?:\\s+__attribute__\\s*\\(\\(.*?\\)\\))*)\\s*([A-Za-z_]\\w*)?',
      end: '(?<=\\})(?:\\s*([A-Za-z_]\\w*)(?=\\s*;))?\\s*(;)?|;',
      beginCaptures: {
        1: scope('storage.type.$1.bpftrace'),
        2: scope('storage.modifier.attribute.bpftrace'),
        3: scope('entity.name.type.$1.bpftrace'),
      },
      endCaptures: {
        0: scope('punctuation.terminator.statement.bpftrace'),
        1: scope('variable.other.bpftrace'),
        2: scope('punctuation.terminator.statement.bpftrace'),
      },
      patterns: [
        { include: '#comments' },
        { include: '#c-body' },
      ],
    },
    'c-typedef': {
      name: 'meta.typedef.bpftrace',
      begin: '^\\s*(typedef)\\b',
      end: ';',
      beginCaptures: { 1: scope('storage.type.typedef.bpftrace') },
      endCaptures: { 0: scope('punctuation.terminator.statement.bpftrace') },
      patterns: [
        { include: '#comments' },
        { include: '#c-struct-head' },
        { include: '#c-body' },
        { match: '[A-Za-z_]\\w*(?=\\s*(?:\\[[^\\]]*\\]\\s*)*;)', name: 'entity.name.type.typedef.bpftrace' },
        { include: '#c-types' },
        { include: '#numbers' },
        { include: '#punctuation' },
        { match: '\\*', name: 'storage.modifier.pointer.bpftrace' },
      ],
    },
    'c-struct-head': {
      match: '\\b(struct|union|enum)\\b(?:\\s+([A-Za-z_]\\w*))?',
      captures: {
        1: scope('storage.type.$1.bpftrace'),
        2: scope('entity.name.type.$1.bpftrace'),
      },
    },
    'c-body': {
      name: 'meta.block.c.bpftrace',
      begin: '\\{',
      end: '\\}',
      beginCaptures: { 0: scope('punctuation.section.block.begin.bpftrace') },
      endCaptures: { 0: scope('punctuation.section.block.end.bpftrace') },
      patterns: [
        { include: '#comments' },
        { include: '#preprocessor' },
        { include: '#c-struct-head' },
        { include: '#c-body' },
        { include: '#c-types' },
        { match: '__attribute__\\s*\\(\\(.*?\\)\\)', name: 'storage.modifier.attribute.bpftrace' },
        { match: '[A-Za-z_]\\w*(?=\\s*(?:\\[[^\\]]*\\]\\s*)*(?:[;,=:)}]|$))', name: 'variable.other.member.bpftrace' },
        { match: '[A-Za-z_]\\w*', name: 'entity.name.type.bpftrace' },
        { include: '#numbers' },
        { match: '\\*', name: 'storage.modifier.pointer.bpftrace' },
        { include: '#operators' },
        { include: '#punctuation' },
      ],
    },
    'c-types': {
      patterns: [
        { match: '\\b(?:const|volatile|signed|unsigned|static|extern|register|restrict)\\b', name: 'storage.modifier.bpftrace' },
        { match: `\\b(?:${words(TYPES)})\\b`, name: 'storage.type.bpftrace' },
        { match: '\\b[A-Za-z_]\\w*_t\\b', name: 'storage.type.bpftrace' },
      ],
    },

    // ------------------------------------------------------ top level forms
    'config-block': {
      name: 'meta.config.bpftrace',
      begin: '\\b(config)\\s*(=)\\s*(\\{)',
      end: '\\}',
      beginCaptures: {
        1: scope('keyword.other.config.bpftrace'),
        2: scope('keyword.operator.assignment.bpftrace'),
        3: scope('punctuation.section.block.begin.bpftrace'),
      },
      endCaptures: { 0: scope('punctuation.section.block.end.bpftrace') },
      patterns: [
        { include: '#comments' },
        {
          match: '\\b([A-Za-z_]\\w*)\\s*(=)',
          captures: {
            1: scope('variable.other.property.config.bpftrace'),
            2: scope('keyword.operator.assignment.bpftrace'),
          },
        },
        { include: '#strings' },
        { include: '#numbers' },
        { include: '#constants' },
        { match: '\\b[A-Za-z_]\\w*\\b', name: 'constant.other.config-value.bpftrace' },
        { include: '#punctuation' },
      ],
    },
    import: {
      name: 'meta.import.bpftrace',
      match: `\\b(import)\\s*(${QUOTED})?`,
      captures: {
        1: scope('keyword.control.import.bpftrace'),
        2: withPatterns('string.quoted.double.bpftrace', '#string-escapes'),
      },
    },
    'map-declaration': {
      name: 'meta.map-declaration.bpftrace',
      begin: '\\b(let)\\s+(?=@)',
      end: ';|(?=\\})',
      beginCaptures: { 1: scope('storage.type.let.bpftrace') },
      endCaptures: { 0: scope('punctuation.terminator.statement.bpftrace') },
      patterns: [{ include: '#expressions' }],
    },
    'macro-definition': {
      name: 'meta.macro.bpftrace',
      begin: '\\b(macro)\\s+([A-Za-z_]\\w*)',
      end: '(?<=\\})',
      beginCaptures: {
        1: scope('storage.type.macro.bpftrace'),
        2: scope('entity.name.function.macro.bpftrace'),
      },
      patterns: [
        { include: '#comments' },
        {
          name: 'meta.parameters.bpftrace',
          begin: '\\(',
          end: '\\)',
          beginCaptures: { 0: scope('punctuation.definition.parameters.begin.bpftrace') },
          endCaptures: { 0: scope('punctuation.definition.parameters.end.bpftrace') },
          patterns: [
            { include: '#comments' },
            { include: '#map' },
            { include: '#scratch' },
            { match: '\\b[A-Za-z_]\\w*\\b', name: 'variable.parameter.bpftrace' },
            { include: '#punctuation' },
          ],
        },
        { include: '#block' },
      ],
    },
    'fn-definition': {
      name: 'meta.function.bpftrace',
      begin: '\\b(fn)\\s+([A-Za-z_]\\w*)',
      end: '(?<=\\})',
      beginCaptures: {
        1: scope('storage.type.function.bpftrace'),
        2: scope('entity.name.function.bpftrace'),
      },
      patterns: [
        { include: '#comments' },
        {
          name: 'meta.parameters.bpftrace',
          begin: '\\(',
          end: '\\)',
          beginCaptures: { 0: scope('punctuation.definition.parameters.begin.bpftrace') },
          endCaptures: { 0: scope('punctuation.definition.parameters.end.bpftrace') },
          patterns: [
            { include: '#comments' },
            { include: '#type-annotation' },
            { include: '#scratch' },
            { include: '#punctuation' },
          ],
        },
        { include: '#type-annotation' },
        { include: '#block' },
      ],
    },
    'type-annotation': {
      match: `(:)\\s*(${TYPE_EXPR}|typeof\\b)`,
      captures: {
        1: scope('punctuation.separator.type.bpftrace'),
        2: withPatterns('meta.type.bpftrace', '#type-parts'),
      },
    },
    'probe-label': {
      match: `${PROBE_START}([A-Za-z_]\\w*)(=)(?=[A-Za-z]+:|BEGIN\\b|END\\b|begin\\b|end\\b)`,
      captures: {
        1: scope('entity.name.label.bpftrace'),
        2: scope('keyword.operator.assignment.bpftrace'),
      },
    },

    // ---------------------------------------------------------------- probes
    probes: {
      patterns: [
        {
          name: 'meta.probe.special.bpftrace',
          match: `${PROBE_START}(BEGIN|END|begin|end)\\b(?!\\s*[:=(])`,
          captures: { 1: scope('storage.type.probe.bpftrace') },
        },
        ...probes.map(([key]) => ({ include: `#${key}` })),
        {
          // Anything else shaped like provider:part:part, e.g. a provider
          // newer than this grammar or one still being typed.
          name: 'meta.probe.other.bpftrace',
          match: `${PROBE_START}([A-Za-z_]\\w*)(:)([^\\s,{}]*)`,
          captures: {
            1: scope('entity.name.tag.probe.bpftrace'),
            2: scope(SEP),
            3: withPatterns('entity.name.function.bpftrace', '#attach-quoted', '#attach-glob'),
          },
        },
        { match: ',', name: 'punctuation.separator.comma.bpftrace' },
      ],
    },
    ...Object.fromEntries(probes),
    'attach-glob': {
      patterns: [
        { match: '\\*|\\?', name: 'keyword.operator.wildcard.bpftrace' },
        { match: '\\[[\\w\\-]*\\]', name: 'keyword.operator.wildcard.set.bpftrace' },
        { include: '#positional' },
        { match: '\\b0[xX][0-9a-fA-F]+\\b', name: 'constant.numeric.integer.hexadecimal.bpftrace' },
        { match: ':', name: SEP },
      ],
    },
    'attach-path': {
      patterns: [
        { include: '#positional' },
        { match: '\\*', name: 'keyword.operator.wildcard.bpftrace' },
      ],
    },
    'attach-quoted': {
      name: 'string.quoted.double.bpftrace',
      match: QUOTED,
      captures: { 0: { patterns: [{ include: '#string-escapes' }] } },
    },

    predicate: {
      name: 'meta.predicate.bpftrace',
      begin: '(?<![*/])/(?![/*])',
      end: '/',
      beginCaptures: { 0: scope('punctuation.definition.predicate.begin.bpftrace') },
      endCaptures: { 0: scope('punctuation.definition.predicate.end.bpftrace') },
      patterns: [
        { include: '#comments' },
        { include: '#predicate-parens' },
        { include: '#expressions' },
      ],
    },
    // Inside parentheses a slash is a division, not the predicate's end.
    'predicate-parens': {
      begin: '\\(',
      end: '\\)',
      beginCaptures: { 0: scope('punctuation.section.parens.begin.bpftrace') },
      endCaptures: { 0: scope('punctuation.section.parens.end.bpftrace') },
      patterns: [
        { include: '#predicate-parens' },
        { match: '/(?![/*])', name: 'keyword.operator.arithmetic.bpftrace' },
        { include: '#expressions' },
      ],
    },

    // ------------------------------------------------- blocks and statements
    block: {
      name: 'meta.block.bpftrace',
      begin: '\\{',
      end: '\\}',
      beginCaptures: { 0: scope('punctuation.section.block.begin.bpftrace') },
      endCaptures: { 0: scope('punctuation.section.block.end.bpftrace') },
      patterns: [{ include: '#statements' }],
    },
    statements: {
      patterns: [
        { include: '#comments' },
        { include: '#block' },
        { include: '#let' },
        { include: '#expressions' },
      ],
    },
    let: {
      match: `\\b(let)\\s+(\\$[A-Za-z_]\\w*)(?:\\s*(:)\\s*(${TYPE_EXPR}|typeof\\b))?`,
      captures: {
        1: scope('storage.type.let.bpftrace'),
        2: withPatterns('variable.other.scratch.bpftrace', '#sigil'),
        3: scope('punctuation.separator.type.bpftrace'),
        4: withPatterns('meta.type.bpftrace', '#type-parts'),
      },
    },
    expressions: {
      patterns: [
        { include: '#comments' },
        { include: '#block' },
        { include: '#strings' },
        { include: '#cast' },
        { include: '#for-header' },
        { include: '#type-context' },
        { include: '#keywords' },
        { include: '#numbers' },
        { include: '#map' },
        { include: '#positional' },
        { include: '#scratch' },
        { include: '#member' },
        { include: '#calls' },
        { include: '#constants' },
        { include: '#builtin-variables' },
        { include: '#type-names' },
        { include: '#discard' },
        { include: '#c-macro-constant' },
        { include: '#operators' },
        { include: '#punctuation' },
      ],
    },
    keywords: {
      patterns: [
        { match: '\\b(?:if|else)\\b', name: 'keyword.control.conditional.bpftrace' },
        { match: '\\b(?:for|while|unroll)\\b', name: 'keyword.control.loop.bpftrace' },
        { match: '\\b(?:return|break|continue)\\b', name: 'keyword.control.flow.bpftrace' },
        { match: '\\blet\\b', name: 'storage.type.let.bpftrace' },
        { match: '\\b(?:sizeof|offsetof|typeof|typeinfo|comptime)\\b', name: 'keyword.operator.$0.bpftrace' },
        { match: '\\bimport\\b', name: 'keyword.control.import.bpftrace' },
        { match: '\\bconfig\\b(?=\\s*=)', name: 'keyword.other.config.bpftrace' },
        { match: '\\bmacro\\b', name: 'storage.type.macro.bpftrace' },
        { match: '\\bfn\\b', name: 'storage.type.function.bpftrace' },
      ],
    },
    cast: {
      name: 'meta.cast.bpftrace',
      match: `(\\()\\s*(${TYPE_EXPR})\\s*(\\))`,
      captures: {
        1: scope('punctuation.definition.cast.begin.bpftrace'),
        2: withPatterns('meta.type.bpftrace', '#type-parts'),
        3: scope('punctuation.definition.cast.end.bpftrace'),
      },
    },
    'for-header': {
      match: '\\b(for)\\s*(\\()\\s*(\\$[A-Za-z_]\\w*)\\s*(:)',
      captures: {
        1: scope('keyword.control.loop.bpftrace'),
        2: scope('punctuation.section.parens.begin.bpftrace'),
        3: withPatterns('variable.other.scratch.bpftrace', '#sigil'),
        4: scope('keyword.operator.iteration.bpftrace'),
      },
    },
    // sizeof(struct sk_buff *), offsetof(struct task_struct, pid), typeof(uint8[4])
    'type-context': {
      match: `\\b(sizeof|offsetof|typeof|typeinfo)\\s*(\\()\\s*(${TYPE_EXPR})(?=\\s*[,)])`,
      captures: {
        1: scope('keyword.operator.$1.bpftrace'),
        2: scope('punctuation.section.parens.begin.bpftrace'),
        3: withPatterns('meta.type.bpftrace', '#type-parts'),
      },
    },
    // Type names that may appear bare in expressions.
    'type-names': {
      patterns: [
        {
          match: '\\b(struct|union|enum)\\s+([A-Za-z_]\\w*)',
          captures: {
            1: scope('storage.type.$1.bpftrace'),
            2: scope('entity.name.type.$1.bpftrace'),
          },
        },
        { match: '\\b(?:const|volatile|signed|unsigned)\\b', name: 'storage.modifier.bpftrace' },
        { match: `\\b(?:${words(TYPES)})\\b`, name: 'storage.type.bpftrace' },
        { match: '\\b[A-Za-z_]\\w*_t\\b', name: 'storage.type.bpftrace' },
      ],
    },
    // The inside of a type already known to be one (a cast, an annotation):
    // every star is a pointer and every [N] an array or size.
    'type-parts': {
      patterns: [
        { include: '#type-names' },
        { match: '\\btypeof\\b', name: 'keyword.operator.typeof.bpftrace' },
        { match: '\\*', name: 'storage.modifier.pointer.bpftrace' },
        {
          match: '(\\[)\\s*(\\d*)\\s*(\\])',
          captures: {
            1: scope('punctuation.definition.array.begin.bpftrace'),
            2: scope('constant.numeric.integer.bpftrace'),
            3: scope('punctuation.definition.array.end.bpftrace'),
          },
        },
        { match: '\\b[A-Za-z_]\\w*\\b', name: 'entity.name.type.bpftrace' },
      ],
    },
    calls: {
      patterns: [
        {
          match: `\\b(${words(MAP_TYPES)})\\s*(?=\\()`,
          name: 'support.type.map.bpftrace',
        },
        {
          match: `\\b(?:${words(MAP_FUNCTIONS)})\\b(?=\\s*\\()`,
          name: 'support.function.aggregation.bpftrace',
        },
        {
          match: `\\b(?:${words(STDLIB_FUNCTIONS)})\\b(?=\\s*\\()`,
          name: 'support.function.builtin.bpftrace',
        },
        {
          match: '\\b__builtin_\\w+\\b(?=\\s*\\()',
          name: 'support.function.builtin.bpftrace',
        },
        {
          match: '\\b[A-Za-z_]\\w*\\b(?=\\s*\\()',
          name: 'entity.name.function.call.bpftrace',
        },
      ],
    },
    'builtin-variables': {
      patterns: [
        { match: `\\b(?:${words(BUILTIN_VARIABLES)}|s?arg\\d+|__builtin_\\w+)\\b`, name: 'variable.language.builtin.bpftrace' },
      ],
    },
    constants: {
      patterns: [
        { match: '\\b(?:true|false)\\b', name: 'constant.language.boolean.bpftrace' },
      ],
    },
    discard: {
      match: '\\b_\\b(?=\\s*=(?!=))',
      name: 'variable.language.discard.bpftrace',
    },
    // ALL_CAPS names in code come from #define or C enums.
    'c-macro-constant': {
      match: '\\b[A-Z][A-Z0-9_]*[A-Z0-9]\\b',
      name: 'constant.other.macro.bpftrace',
    },
    map: {
      match: '(@)([A-Za-z_]\\w*)?',
      name: 'variable.other.map.bpftrace',
      captures: { 1: scope('punctuation.definition.variable.map.bpftrace') },
    },
    scratch: {
      match: '(\\$)[A-Za-z_]\\w*',
      name: 'variable.other.scratch.bpftrace',
      captures: { 1: scope('punctuation.definition.variable.scratch.bpftrace') },
    },
    sigil: {
      match: '\\$',
      name: 'punctuation.definition.variable.scratch.bpftrace',
    },
    positional: {
      match: '(\\$)(?:\\d+|#)',
      name: 'variable.language.positional.bpftrace',
      captures: { 1: scope('punctuation.definition.variable.positional.bpftrace') },
    },
    member: {
      match: '(\\.|->)\\s*(?:([A-Za-z_]\\w*)|(\\d+))',
      captures: {
        1: scope('punctuation.accessor.bpftrace'),
        2: scope('variable.other.member.bpftrace'),
        3: scope('constant.numeric.integer.index.bpftrace'),
      },
    },

    // ------------------------------------------------------ literal values
    strings: {
      name: 'string.quoted.double.bpftrace',
      begin: '"',
      end: '"|(?<!\\\\)(?=\\n)',
      beginCaptures: { 0: scope('punctuation.definition.string.begin.bpftrace') },
      endCaptures: { 0: scope('punctuation.definition.string.end.bpftrace') },
      patterns: [
        { include: '#string-escapes' },
        { include: '#format-specifiers' },
      ],
    },
    'string-escapes': {
      patterns: [
        { match: '\\\\(?:[0-7]{1,3}|x[0-9a-fA-F]{1,2}|[ntrabfve\\\\"\'?])', name: 'constant.character.escape.bpftrace' },
        { match: '\\\\$', name: 'constant.character.escape.line-continuation.bpftrace' },
        { match: '\\\\.', name: 'invalid.illegal.unknown-escape.bpftrace' },
      ],
    },
    'format-specifiers': {
      patterns: [
        { match: '%%', name: 'constant.character.escape.percent.bpftrace' },
        {
          match: '%[-+ #0]*(?:\\d+|\\*)?(?:\\.(?:\\d+|\\*))?(?:r[xh]?|(?:hh|h|ll|l|j|z|t)?[diouxXcsp])',
          name: 'constant.other.placeholder.bpftrace',
        },
      ],
    },
    numbers: {
      patterns: [
        {
          match: '\\b(0[xX])([0-9a-fA-F][0-9a-fA-F_]*)([uU][lL]{0,2}|[lL]{1,2}[uU]?)?\\b',
          name: 'constant.numeric.integer.hexadecimal.bpftrace',
          captures: {
            1: scope('keyword.other.unit.prefix.bpftrace'),
            3: scope('keyword.other.unit.suffix.bpftrace'),
          },
        },
        {
          match: '\\b0[0-7_]+\\b',
          name: 'constant.numeric.integer.octal.bpftrace',
        },
        {
          match: '\\b\\d[\\d_]*(?:[eE]\\d[\\d_]*)?((?:ns|us|ms|s|m|h|d)|[uU][lL]{0,2}|[lL]{1,2}[uU]?)?\\b',
          name: 'constant.numeric.integer.decimal.bpftrace',
          captures: { 1: scope('keyword.other.unit.suffix.bpftrace') },
        },
        {
          match: '\\b\\d\\w*',
          name: 'invalid.illegal.numeric.bpftrace',
        },
      ],
    },
    'number-suffix': {
      match: '(?<=\\d)(?:ns|us|ms|s|m|h|d|hz)\\b',
      name: 'keyword.other.unit.suffix.bpftrace',
    },
    operators: {
      patterns: [
        { match: '\\.\\.', name: 'keyword.operator.range.bpftrace' },
        { match: '->', name: 'punctuation.accessor.bpftrace' },
        { match: '\\+\\+|--', name: 'keyword.operator.increment.bpftrace' },
        { match: '<<=|>>=|[-+*/%&|^]=', name: 'keyword.operator.assignment.compound.bpftrace' },
        { match: '<<|>>', name: 'keyword.operator.bitwise.shift.bpftrace' },
        { match: '==|!=|<=|>=|<|>', name: 'keyword.operator.comparison.bpftrace' },
        { match: '&&|\\|\\||!', name: 'keyword.operator.logical.bpftrace' },
        { match: '[&|^~]', name: 'keyword.operator.bitwise.bpftrace' },
        { match: '=', name: 'keyword.operator.assignment.bpftrace' },
        { match: '[-+*/%]', name: 'keyword.operator.arithmetic.bpftrace' },
        { match: '\\?|:', name: 'keyword.operator.ternary.bpftrace' },
      ],
    },
    punctuation: {
      patterns: [
        { match: ';', name: 'punctuation.terminator.statement.bpftrace' },
        { match: ',', name: 'punctuation.separator.comma.bpftrace' },
        { match: '\\(', name: 'punctuation.section.parens.begin.bpftrace' },
        { match: '\\)', name: 'punctuation.section.parens.end.bpftrace' },
        { match: '\\[', name: 'punctuation.section.brackets.begin.bpftrace' },
        { match: '\\]', name: 'punctuation.section.brackets.end.bpftrace' },
        { match: '\\.', name: 'punctuation.accessor.bpftrace' },
      ],
    },
  },
};

export { grammar };
