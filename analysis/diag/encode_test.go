package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	Register(CodeInfo{Code: "test-code", Severity: Error, Summary: "a code used by the diag tests"})
}

func sample() List {
	f := source.NewFile("dir/x.bt", []byte("begin {\n  @a = 1 + \"s\";\n}\n"))
	var l List
	d := l.Errorf(f, source.Span{Start: 15, End: 22}, "test-code", "cannot add int64 and string, 100%%")
	d.Hint = "convert one side"
	d.Notes = []Note{{Location: Location{File: f, Span: source.Span{Start: 0, End: 5}}, Message: "probe"}}
	d.Fixes = []Fix{{Message: "quote it", Edits: []Edit{{Location: Location{File: f, Span: source.Span{Start: 15, End: 16}}, NewText: "\"1\""}}}}
	l.Warnf(f, source.Span{Start: 10, End: 12}, "other", "a warning: with, commas")
	return l
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), FormatJSON, TextOptions{}, ToolInfo{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Diagnostics []struct {
			Severity, Code, Message string
			Range                   struct {
				File  string
				Start struct{ Line, Column, Offset int }
			}
			Fixes []struct{ Edits []struct{ NewText string } }
		}
		Errors, Warnings int
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Errors != 1 || got.Warnings != 1 || len(got.Diagnostics) != 2 {
		t.Fatalf("counts: %+v", got)
	}
	d := got.Diagnostics[0]
	if d.Code != "test-code" || d.Range.File != "dir/x.bt" || d.Range.Start.Line != 2 || d.Range.Start.Column != 8 || d.Range.Start.Offset != 15 {
		t.Errorf("first diagnostic: %+v", d)
	}
	if len(d.Fixes) != 1 || d.Fixes[0].Edits[0].NewText != "\"1\"" {
		t.Errorf("fixes: %+v", d.Fixes)
	}
}

func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, sample(), ToolInfo{Name: "bt", Version: "1"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID               string
						ShortDescription struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				RelatedLocations []struct{ ID int }
				Fixes            []struct{}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("log: %+v", log)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != 2 || run.Tool.Driver.Rules[1].ID != "test-code" ||
		run.Tool.Driver.Rules[1].ShortDescription.Text != "a code used by the diag tests" {
		t.Errorf("rules: %+v", run.Tool.Driver.Rules)
	}
	r := run.Results[0]
	reg := r.Locations[0].PhysicalLocation.Region
	if r.RuleID != "test-code" || r.RuleIndex != 1 || r.Level != "error" || reg.StartLine != 2 || reg.StartColumn != 8 || reg.EndColumn != 15 {
		t.Errorf("result: %+v", r)
	}
	if len(r.RelatedLocations) != 1 || r.RelatedLocations[0].ID != 1 || len(r.Fixes) != 1 {
		t.Errorf("related/fixes: %+v", r)
	}
	if run.Results[1].Level != "warning" || run.Results[1].RuleIndex != 0 {
		t.Errorf("warning result: %+v", run.Results[1])
	}
}

func TestWriteGitHub(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGitHub(&b, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want0 := "::error file=dir/x.bt,line=2,col=8,endLine=2,endColumn=15,title=test-code::cannot add int64 and string, 100%25%0Aconvert one side"
	if len(lines) != 2 || lines[0] != want0 {
		t.Errorf("got:\n%s\nwant first:\n%s", b.String(), want0)
	}
	if !strings.HasPrefix(lines[1], "::warning ") || !strings.HasSuffix(lines[1], "::a warning: with, commas") {
		t.Errorf("second line %q", lines[1])
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil, "xml", TextOptions{}, ToolInfo{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("err = %v", err)
	}
}
