package server

import (
	"context"
	"encoding/json"

	"github.com/bt-tools/bt/analysis/source"
)

// encodingKind is the negotiated position encoding.
type encodingKind = source.Encoding

// clientCapabilities keeps the parts of the client's capabilities that
// change what the server sends. Decoded by hand (not with protocol's
// types) so that 3.17 fields and malformed values from old clients never
// fail the handshake.
type clientCapabilities struct {
	General struct {
		PositionEncodings []string `json:"positionEncodings"`
	} `json:"general"`
	TextDocument struct {
		Completion struct {
			CompletionItem struct {
				SnippetSupport          bool     `json:"snippetSupport"`
				DocumentationFormat     []string `json:"documentationFormat"`
				LabelDetailsSupport     bool     `json:"labelDetailsSupport"`
				InsertReplaceSupport    bool     `json:"insertReplaceSupport"`
				CommitCharactersSupport bool     `json:"commitCharactersSupport"`
			} `json:"completionItem"`
		} `json:"completion"`
		Hover struct {
			ContentFormat []string `json:"contentFormat"`
		} `json:"hover"`
		Rename struct {
			PrepareSupport bool `json:"prepareSupport"`
		} `json:"rename"`
		SignatureHelp struct {
			SignatureInformation struct {
				DocumentationFormat  []string `json:"documentationFormat"`
				ParameterInformation struct {
					LabelOffsetSupport bool `json:"labelOffsetSupport"`
				} `json:"parameterInformation"`
			} `json:"signatureInformation"`
		} `json:"signatureHelp"`
		PublishDiagnostics struct {
			RelatedInformation bool `json:"relatedInformation"`
			CodeDescription    bool `json:"codeDescriptionSupport"`
		} `json:"publishDiagnostics"`
	} `json:"textDocument"`
	Workspace struct {
		Configuration bool `json:"configuration"`
	} `json:"workspace"`
}

// markdown reports whether the client renders Markdown in hovers.
func (c *clientCapabilities) markdown() bool {
	for _, f := range c.TextDocument.Hover.ContentFormat {
		if f == "markdown" {
			return true
		}
	}
	return false
}

type initializeParams struct {
	ProcessID             *int32             `json:"processId"`
	RootURI               string             `json:"rootUri"`
	Capabilities          clientCapabilities `json:"capabilities"`
	InitializationOptions json.RawMessage    `json:"initializationOptions"`
}

// serverCapabilities is what we announce; it carries 3.17 fields that
// protocol v0.12 lacks (positionEncoding, inlayHintProvider).
type serverCapabilities struct {
	PositionEncoding           string                  `json:"positionEncoding,omitempty"`
	TextDocumentSync           textDocumentSyncOptions `json:"textDocumentSync"`
	CompletionProvider         *completionOptions      `json:"completionProvider,omitempty"`
	HoverProvider              bool                    `json:"hoverProvider,omitempty"`
	SignatureHelpProvider      *signatureHelpOptions   `json:"signatureHelpProvider,omitempty"`
	DefinitionProvider         bool                    `json:"definitionProvider,omitempty"`
	ReferencesProvider         bool                    `json:"referencesProvider,omitempty"`
	DocumentHighlightProvider  bool                    `json:"documentHighlightProvider,omitempty"`
	DocumentSymbolProvider     bool                    `json:"documentSymbolProvider,omitempty"`
	CodeActionProvider         any                     `json:"codeActionProvider,omitempty"`
	DocumentFormattingProvider bool                    `json:"documentFormattingProvider,omitempty"`
	RenameProvider             any                     `json:"renameProvider,omitempty"`
	FoldingRangeProvider       bool                    `json:"foldingRangeProvider,omitempty"`
	SemanticTokensProvider     any                     `json:"semanticTokensProvider,omitempty"`
	InlayHintProvider          bool                    `json:"inlayHintProvider,omitempty"`
}

type textDocumentSyncOptions struct {
	OpenClose bool `json:"openClose"`
	Change    int  `json:"change"` // 2: incremental
	Save      bool `json:"save"`
}

type completionOptions struct {
	TriggerCharacters []string `json:"triggerCharacters,omitempty"`
	ResolveProvider   bool     `json:"resolveProvider"`
}

type signatureHelpOptions struct {
	TriggerCharacters   []string `json:"triggerCharacters,omitempty"`
	RetriggerCharacters []string `json:"retriggerCharacters,omitempty"`
}

type initializeResult struct {
	Capabilities serverCapabilities `json:"capabilities"`
	ServerInfo   struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	} `json:"serverInfo"`
}

// Version is reported in serverInfo; cmd/bt-lsp sets it at build time.
var Version = "dev"

// capabilityHooks let feature files add their capability when their
// methods are registered; capabilities are derived from the method
// table, so the server never announces a feature it cannot answer.
var capabilityHooks []func(s *Server, c *serverCapabilities)

func init() {
	register("initialize", initialize)
	register("initialized", func(context.Context, *Server, json.RawMessage) (any, error) { return nil, nil })
	register("shutdown", shutdown)
}

func initialize(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p initializeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clientCaps = p.Capabilities
	s.encoding = source.UTF16
	chosen := "utf-16"
	for _, e := range p.Capabilities.General.PositionEncodings {
		if e == "utf-8" {
			s.encoding, chosen = source.UTF8, "utf-8"
			break
		}
	}
	if len(p.InitializationOptions) > 0 && string(p.InitializationOptions) != "null" {
		if err := s.config.merge(p.InitializationOptions); err != nil {
			s.opts.Logf("initializationOptions: %v", err)
		}
	}
	s.state = stateInitialized
	s.mu.Unlock()

	var res initializeResult
	res.ServerInfo.Name = "bt-lsp"
	res.ServerInfo.Version = Version
	caps := &res.Capabilities
	if len(p.Capabilities.General.PositionEncodings) > 0 {
		caps.PositionEncoding = chosen
	}
	caps.TextDocumentSync = textDocumentSyncOptions{OpenClose: true, Change: 2, Save: true}
	for _, hook := range capabilityHooks {
		hook(s, caps)
	}
	return res, nil
}

func shutdown(ctx context.Context, s *Server, _ json.RawMessage) (any, error) {
	s.mu.Lock()
	s.state = stateShutdown
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
	return nil, nil
}

// positionEncoding returns the negotiated encoding.
func (s *Server) positionEncoding() source.Encoding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.encoding
}
