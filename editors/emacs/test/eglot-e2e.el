;;; eglot-e2e.el --- bt-lsp in Emacs through eglot, end to end  -*- lexical-binding: t -*-

;; Run by run.sh:
;;   emacs --batch -l eglot-e2e.el
;; with BT_LSP_DIR (a directory holding bt-lsp) and BT_DOCS (docs/editors.md)
;; in the environment.
;;
;; The configuration under test is the Emacs snippet of docs/editors.md,
;; read from that file and evaluated as a user's init file would: a
;; bpftrace-mode for *.bt, bt-lsp in `eglot-server-programs', and
;; `eglot-ensure' on the mode hook.  Then, in a temporary project:
;;
;;   diagnostics  Flymake shows bt-lsp's errors at their line and column
;;   completion   `completion-at-point''s table after `tracepoint:sched:'
;;                has sched_switch, after `curtask->' task_struct's
;;                members (both need the kernel's BTF)
;;   hover        eldoc's documentation of the builtin nsecs
;;   definition   `xref-find-definitions' on a C function jumps into the
;;                imported .bpf.c
;;
;; Output: one "ok - ", "not ok - " or "skip - " line per test, then a
;; count; Emacs exits 1 when a test failed.  Every wait is bounded and
;; polls a condition while letting process output in.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defvar bt-e2e-wait 20.0 "Seconds every wait is bounded by.")
(defvar bt-e2e-passed 0)
(defvar bt-e2e-failed 0)
(defvar bt-e2e-skipped 0)
(defvar bt-e2e-btf "/sys/kernel/btf/vmlinux")

(defun bt-e2e-out (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n")))

(defmacro bt-e2e-test (name &rest body)
  "Run BODY as the test NAME, printing ok or not ok with the error."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body
              (setq bt-e2e-passed (1+ bt-e2e-passed))
              (bt-e2e-out "ok - %s" ,name))
     (error
      (setq bt-e2e-failed (1+ bt-e2e-failed))
      (bt-e2e-out "not ok - %s\n    %s" ,name
                  (replace-regexp-in-string "\n" "\n    " (error-message-string err))))))

(defun bt-e2e-skip (name why)
  (setq bt-e2e-skipped (1+ bt-e2e-skipped))
  (bt-e2e-out "skip - %s: %s" name why))

(defun bt-e2e-wait-for (what pred)
  "Poll PRED while accepting process output until it is non-nil.
Return its value; signal an error naming WHAT after `bt-e2e-wait' seconds."
  (let ((end (+ (float-time) bt-e2e-wait)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) end))
      (accept-process-output nil 0.05))
    (or v (error "%s: not within %.0f s" what bt-e2e-wait))))

(defun bt-e2e-check (what cond &optional detail)
  (unless cond (error "%s%s" what (if detail (format "\n%s" detail) ""))))

;;; The user's configuration: docs/editors.md's Emacs snippet.

(defun bt-e2e-doc-snippet (docs)
  "The first elisp block under the \"## Emacs\" heading of DOCS."
  (with-temp-buffer
    (insert-file-contents docs)
    (goto-char (point-min))
    (unless (re-search-forward "^## Emacs" nil t)
      (error "no \"## Emacs\" section in %s" docs))
    (unless (re-search-forward "^```elisp\n" nil t)
      (error "no elisp block in the Emacs section of %s" docs))
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

(defun bt-e2e-eval-string (code)
  (with-temp-buffer
    (insert code)
    (eval-buffer)))

;;; Setup.

(let ((dir (getenv "BT_LSP_DIR")))
  (unless (and dir (file-executable-p (expand-file-name "bt-lsp" dir)))
    (bt-e2e-out "not ok - BT_LSP_DIR holds bt-lsp (BT_LSP_DIR=%S)" dir)
    (kill-emacs 1))
  (setq exec-path (cons dir exec-path))
  (setenv "PATH" (concat dir path-separator (getenv "PATH"))))

;; Debian installs elpa-eglot (and the newer project and xref it needs) as
;; ELPA packages under /usr/share/emacs/site-lisp/elpa: activate them as
;; Emacs does for an interactive session.
(require 'package)
(package-initialize)
(require 'eglot)
(bt-e2e-out "# %s; eglot from %s" (car (split-string (emacs-version) "\n"))
            (abbreviate-file-name (locate-library "eglot")))
(bt-e2e-eval-string (bt-e2e-doc-snippet (getenv "BT_DOCS")))

(defvar bt-e2e-dir (make-temp-file "bt-eglot-" t))
(make-directory (expand-file-name ".git" bt-e2e-dir)) ; the project root

(defun bt-e2e-write (name lines)
  (let ((f (expand-file-name name bt-e2e-dir)))
    (with-temp-file f (insert (string-join lines "\n") "\n"))
    f))

(defun bt-e2e-goto (line col)
  "Point to 1-based LINE and 0-based COL."
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column col)
  (bt-e2e-check (format "point at %d:%d" line col)
                (and (= (line-number-at-pos) line) (= (current-column) col))))

(defun bt-e2e-search (line text)
  "Point to the start of TEXT on LINE."
  (goto-char (point-min))
  (forward-line (1- line))
  (bt-e2e-check (format "%S on line %d" text line)
                (search-forward text (line-end-position) t))
  (goto-char (match-beginning 0)))

(defun bt-e2e-open (file)
  "Visit FILE as a user does and wait until eglot manages it.
`eglot-ensure' connects from `post-command-hook', which the command loop
runs after `find-file'; batch mode has no command loop, so run it here."
  (let ((buf (find-file-noselect file)))
    (set-buffer buf)
    (switch-to-buffer buf)
    (bt-e2e-check "major mode is bpftrace-mode" (eq major-mode 'bpftrace-mode)
                  (format "major mode: %s" major-mode))
    (run-hooks 'post-command-hook)
    (bt-e2e-wait-for (format "eglot managing %s" (file-name-nondirectory file))
                     (lambda () (with-current-buffer buf (eglot-managed-p))))
    buf))

(defun bt-e2e-flymake-list ()
  (mapcar (lambda (d)
            (save-excursion
              (goto-char (flymake-diagnostic-beg d))
              (list (line-number-at-pos) (current-column)
                    (flymake-diagnostic-type d) (flymake-diagnostic-text d))))
          (flymake-diagnostics)))

;;; Tests.

(defvar bt-e2e-trace
  (bt-e2e-write "trace.bt"
                '("import \"lib.bpf.c\";"
                  "tracepoint:sched:sched_switch {"
                  "  $t = add_one(nsecs);"
                  "  @last = 1;"
                  "  @last = \"switch\";"
                  "}")))
(defvar bt-e2e-lib
  (bt-e2e-write "lib.bpf.c"
                '("// helpers for trace.bt"
                  "unsigned long add_one(unsigned long x)"
                  "{"
                  "  return x + 1;"
                  "}")))

(bt-e2e-test "a .bt file starts bt-lsp through eglot-ensure"
  (bt-e2e-open bt-e2e-trace)
  (let ((server (eglot-current-server)))
    (bt-e2e-check "a server" server)
    (bt-e2e-check "the server is bt-lsp"
                  (equal (file-name-nondirectory (car (process-command (jsonrpc--process server)))) "bt-lsp")
                  (format "%S" (process-command (jsonrpc--process server))))))

(bt-e2e-test "Flymake shows bt-lsp's map type conflict at its line and column"
  (with-current-buffer (find-buffer-visiting bt-e2e-trace)
    (bt-e2e-check "flymake-mode is on" flymake-mode)
    (let ((d (bt-e2e-wait-for
              "the diagnostic on line 5"
              (lambda () (cl-find-if (lambda (d) (= (car d) 5)) (bt-e2e-flymake-list))))))
      (bt-e2e-check "column 2 (0-based)" (= (nth 1 d) 2) (format "%S" d))
      (bt-e2e-check "an error" (eq (nth 2 d) 'eglot-error) (format "%S" d))
      (bt-e2e-check "about @last" (string-match-p "@last" (nth 3 d)) (format "%S" d))
      (bt-e2e-check "only that diagnostic"
                    (= (length (bt-e2e-flymake-list)) 1) (format "%S" (bt-e2e-flymake-list))))))

(if (not (file-exists-p bt-e2e-btf))
    (bt-e2e-skip "completion after tracepoint:sched: offers sched_switch"
                 (format "no %s (kernel without BTF)" bt-e2e-btf))
  (bt-e2e-test "completion after tracepoint:sched: offers sched_switch"
    (bt-e2e-open (bt-e2e-write "complete.bt" '("tracepoint:sched: { }")))
    (bt-e2e-goto 1 (length "tracepoint:sched:"))
    ;; what `completion-at-point' asks: the capf eglot installed
    (bt-e2e-check "eglot's capf is installed"
                  (memq #'eglot-completion-at-point completion-at-point-functions))
    (let* ((capf (eglot-completion-at-point))
           (table (nth 2 capf))
           (names (all-completions "" table)))
      (bt-e2e-check "sched_switch among the candidates" (member "sched_switch" names)
                    (format "%d candidates: %S" (length names) (seq-take names 20)))
      (bt-e2e-check "sched_wakeup among the candidates" (member "sched_wakeup" names))
      (bt-e2e-check "no syscalls event" (not (member "sys_enter_openat" names))))))

(if (not (file-exists-p bt-e2e-btf))
    (bt-e2e-skip "completion after curtask-> offers task_struct members"
                 (format "no %s (kernel without BTF)" bt-e2e-btf))
  (bt-e2e-test "completion after curtask-> offers task_struct members"
    (bt-e2e-open (bt-e2e-write "curtask.bt" '("tracepoint:sched:sched_switch { $p = curtask->; }")))
    (bt-e2e-search 1 "curtask->")
    (forward-char (length "curtask->"))
    (let ((names (all-completions "" (nth 2 (eglot-completion-at-point)))))
      (dolist (want '("pid" "tgid" "comm"))
        (bt-e2e-check (format "%s among the candidates" want) (member want names)
                      (format "%d candidates: %S" (length names) (seq-take names 20))))
      (bt-e2e-check "no builtin among the members" (not (member "nsecs" names))))))

(bt-e2e-test "hover (eldoc) on the builtin nsecs shows its documentation"
  (with-current-buffer (bt-e2e-open bt-e2e-trace)
    (bt-e2e-search 3 "nsecs")
    (forward-char 1)
    (let (doc)
      ;; eldoc's protocol (Emacs 28): a documentation function gets a
      ;; callback and calls it with the text when the server answers.
      (bt-e2e-check "eglot's hover function is on eldoc-documentation-functions"
                    (memq #'eglot-hover-eldoc-function eldoc-documentation-functions))
      (eglot-hover-eldoc-function (lambda (s &rest _) (setq doc (or s ""))))
      (bt-e2e-wait-for "the hover text" (lambda () doc))
      (bt-e2e-check "the documentation of nsecs"
                    (string-match-p "timestamp in nanoseconds" doc) doc))))

(bt-e2e-test "xref-find-definitions on a C function jumps into the imported .bpf.c"
  (with-current-buffer (bt-e2e-open bt-e2e-trace)
    (bt-e2e-search 3 "add_one")
    (call-interactively #'xref-find-definitions)
    (bt-e2e-check "in lib.bpf.c"
                  (equal (buffer-file-name) bt-e2e-lib) (format "in %S" (buffer-file-name)))
    (bt-e2e-check "at add_one's name on line 2, column 14"
                  (and (= (line-number-at-pos) 2) (= (current-column) 14))
                  (format "at %d:%d" (line-number-at-pos) (current-column)))))

(bt-e2e-test "bt-lsp answers shutdown and exits with status 0 on exit"
  ;; What `eglot-shutdown' sends, without its final `delete-process', so
  ;; that the exit is bt-lsp's own.
  (let* ((server (with-current-buffer (find-buffer-visiting bt-e2e-trace) (eglot-current-server)))
         (proc (jsonrpc--process server)))
    (setf (eglot--shutdown-requested server) t)
    (jsonrpc-request server :shutdown nil :timeout bt-e2e-wait)
    (jsonrpc-notify server :exit nil)
    (bt-e2e-wait-for "bt-lsp to exit" (lambda () (not (process-live-p proc))))
    (bt-e2e-check "exit status 0" (and (eq (process-status proc) 'exit) (= (process-exit-status proc) 0))
                  (format "%s %s" (process-status proc) (process-exit-status proc)))
    (bt-e2e-wait-for "eglot to forget the server"
                     (lambda () (not (memq server (gethash (eglot--project server) eglot--servers-by-project)))))))

(delete-directory bt-e2e-dir t)
(bt-e2e-out "emacs: %d passed, %d failed%s" bt-e2e-passed bt-e2e-failed
            (if (> bt-e2e-skipped 0) (format ", %d skipped" bt-e2e-skipped) ""))
(kill-emacs (if (> bt-e2e-failed 0) 1 0))

;;; eglot-e2e.el ends here
