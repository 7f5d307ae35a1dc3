package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Format names an output format of diagnostics.
type Format string

const (
	FormatText   Format = "text"
	FormatJSON   Format = "json"
	FormatSARIF  Format = "sarif"
	FormatGitHub Format = "github"
)

// Formats lists every format, for flag help and validation.
var Formats = []Format{FormatText, FormatJSON, FormatSARIF, FormatGitHub}

// Write encodes l in format f. Tool names the producer in SARIF output.
func Write(w io.Writer, l List, f Format, opt TextOptions, tool ToolInfo) error {
	switch f {
	case FormatText, "":
		RenderAll(w, l, opt)
		return nil
	case FormatJSON:
		return WriteJSON(w, l)
	case FormatSARIF:
		return WriteSARIF(w, l, tool)
	case FormatGitHub:
		return WriteGitHub(w, l)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", f, formatList())
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// ToolInfo describes the producing tool for SARIF.
type ToolInfo struct {
	Name           string
	Version        string
	InformationURI string
}

// jsonPos is a position in both human (1-based, byte column) and editor
// (0-based, UTF-16) coordinates, so consumers need not re-read the file.
type jsonPos struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Column int `json:"column"`
}

type jsonRange struct {
	File  string  `json:"file"`
	Start jsonPos `json:"start"`
	End   jsonPos `json:"end"`
}

type jsonNote struct {
	Range   *jsonRange `json:"range,omitempty"`
	Message string     `json:"message"`
}

type jsonEdit struct {
	Range   jsonRange `json:"range"`
	NewText string    `json:"newText"`
}

type jsonFix struct {
	Message string     `json:"message"`
	Edits   []jsonEdit `json:"edits"`
}

type jsonDiag struct {
	Severity string     `json:"severity"`
	Code     string     `json:"code"`
	Message  string     `json:"message"`
	Range    jsonRange  `json:"range"`
	Hint     string     `json:"hint,omitempty"`
	Notes    []jsonNote `json:"notes,omitempty"`
	Fixes    []jsonFix  `json:"fixes,omitempty"`
}

func toJSONRange(l Location) jsonRange {
	if l.File == nil {
		return jsonRange{Start: jsonPos{Line: 1, Column: 1}, End: jsonPos{Line: 1, Column: 1}}
	}
	s, e := l.File.Position(l.Span.Start), l.File.Position(l.Span.End)
	return jsonRange{
		File:  l.File.Name,
		Start: jsonPos{Offset: s.Offset, Line: s.Line, Column: s.Column},
		End:   jsonPos{Offset: e.Offset, Line: e.Line, Column: e.Column},
	}
}

// WriteJSON writes {"diagnostics": [...], "errors": N, "warnings": N}.
func WriteJSON(w io.Writer, l List) error {
	out := struct {
		Diagnostics []jsonDiag `json:"diagnostics"`
		Errors      int        `json:"errors"`
		Warnings    int        `json:"warnings"`
	}{Diagnostics: []jsonDiag{}, Errors: l.Count(Error), Warnings: l.Count(Warning)}
	for _, d := range l {
		jd := jsonDiag{
			Severity: d.Severity.String(),
			Code:     string(d.Code),
			Message:  d.Message,
			Range:    toJSONRange(d.Location),
			Hint:     d.Hint,
		}
		for _, n := range d.Notes {
			jn := jsonNote{Message: n.Message}
			if n.File != nil {
				r := toJSONRange(n.Location)
				jn.Range = &r
			}
			jd.Notes = append(jd.Notes, jn)
		}
		for _, fx := range d.Fixes {
			jf := jsonFix{Message: fx.Message, Edits: []jsonEdit{}}
			for _, e := range fx.Edits {
				jf.Edits = append(jf.Edits, jsonEdit{Range: toJSONRange(e.Location), NewText: e.NewText})
			}
			jd.Fixes = append(jd.Fixes, jf)
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteGitHub writes GitHub Actions workflow commands, one line each:
// ::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE::MESSAGE
func WriteGitHub(w io.Writer, l List) error {
	for _, d := range l {
		cmd := "notice"
		switch d.Severity {
		case Error:
			cmd = "error"
		case Warning:
			cmd = "warning"
		}
		r := toJSONRange(d.Location)
		msg := d.Message
		if d.Hint != "" {
			msg += "\n" + d.Hint
		}
		_, err := fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n",
			cmd, ghProp(r.File), r.Start.Line, r.Start.Column, r.End.Line, r.End.Column,
			ghProp(string(d.Code)), ghData(msg))
		if err != nil {
			return err
		}
	}
	return nil
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProp escapes a workflow command's property value.
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0, the subset code-scanning uploads use.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifMessage    `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
	Fixes            []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	ID               *int                  `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifMessage         `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion  `json:"deletedRegion"`
	InsertedContent sarifMessage `json:"insertedContent"`
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

func sarifLoc(l Location) sarifPhysicalLocation {
	r := toJSONRange(l)
	uri := filepath.ToSlash(r.File)
	return sarifPhysicalLocation{
		ArtifactLocation: sarifArtifact{URI: uri},
		Region:           sarifRegion{StartLine: r.Start.Line, StartColumn: r.Start.Column, EndLine: r.End.Line, EndColumn: r.End.Column},
	}
}

// WriteSARIF writes a SARIF 2.1.0 log with one run; the rules are the
// codes that occur, described from the code table.
func WriteSARIF(w io.Writer, l List, tool ToolInfo) error {
	ruleIndex := map[Code]int{}
	var codesSeen []Code
	for _, d := range l {
		if _, ok := ruleIndex[d.Code]; !ok {
			ruleIndex[d.Code] = -1
			codesSeen = append(codesSeen, d.Code)
		}
	}
	sort.Slice(codesSeen, func(i, j int) bool { return codesSeen[i] < codesSeen[j] })
	rules := []sarifRule{}
	for i, c := range codesSeen {
		ruleIndex[c] = i
		r := sarifRule{ID: string(c)}
		r.DefaultConfiguration.Level = "error"
		if ci, ok := Lookup(c); ok {
			r.ShortDescription.Text = ci.Summary
			r.DefaultConfiguration.Level = sarifLevel(ci.Severity)
		} else {
			r.ShortDescription.Text = string(c)
		}
		rules = append(rules, r)
	}
	results := []sarifResult{}
	for _, d := range l {
		res := sarifResult{
			RuleID:    string(d.Code),
			RuleIndex: ruleIndex[d.Code],
			Level:     sarifLevel(d.Severity),
			Message:   sarifMessage{Text: d.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifLoc(d.Location)}},
		}
		if d.Hint != "" {
			res.Message.Text += " (" + d.Hint + ")"
		}
		for i, n := range d.Notes {
			if n.File == nil {
				continue
			}
			id := i + 1
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{
				ID: &id, PhysicalLocation: sarifLoc(n.Location), Message: &sarifMessage{Text: n.Message},
			})
		}
		for _, fx := range d.Fixes {
			byFile := map[string]*sarifArtifactChange{}
			var order []string
			for _, e := range fx.Edits {
				pl := sarifLoc(e.Location)
				ch, ok := byFile[pl.ArtifactLocation.URI]
				if !ok {
					ch = &sarifArtifactChange{ArtifactLocation: pl.ArtifactLocation}
					byFile[pl.ArtifactLocation.URI] = ch
					order = append(order, pl.ArtifactLocation.URI)
				}
				ch.Replacements = append(ch.Replacements, sarifReplacement{DeletedRegion: pl.Region, InsertedContent: sarifMessage{Text: e.NewText}})
			}
			sf := sarifFix{Description: sarifMessage{Text: fx.Message}}
			for _, u := range order {
				sf.ArtifactChanges = append(sf.ArtifactChanges, *byFile[u])
			}
			if len(sf.ArtifactChanges) > 0 {
				res.Fixes = append(res.Fixes, sf)
			}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: rules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
