package btfindex

import (
	"reflect"
	"testing"
)

func TestParseUSDTArgs(t *testing.T) {
	got, err := ParseUSDTArgs("-4@%edi 8@%rsi 1@%r8b -2@-6(%rbp) 8@16(%rsp) 4@$5 -8@$-1 8@(%rax) -4@-8(%rbp,%rax,4) 8@16(,%rcx,8) 2@(%rdx,%rsi)")
	if err != nil {
		t.Fatal(err)
	}
	want := []USDTArg{
		{Size: 4, Signed: true, Kind: USDTReg, Reg: "di"},
		{Size: 8, Kind: USDTReg, Reg: "si"},
		{Size: 1, Kind: USDTReg, Reg: "r8"},
		{Size: 2, Signed: true, Kind: USDTMem, Reg: "bp", Disp: -6},
		{Size: 8, Kind: USDTMem, Reg: "sp", Disp: 16},
		{Size: 4, Kind: USDTConst, Const: 5},
		{Size: 8, Signed: true, Kind: USDTConst, Const: -1},
		{Size: 8, Kind: USDTMem, Reg: "ax"},
		{Size: 4, Signed: true, Kind: USDTMem, Reg: "bp", Disp: -8, Index: "ax", Scale: 4},
		{Size: 8, Kind: USDTMem, Disp: 16, Index: "cx", Scale: 8},
		{Size: 2, Kind: USDTMem, Reg: "dx", Index: "si", Scale: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"3@%edi", "4@%xmm0", "8@(%rax,%rbx,3)", "8@(%rax,%rsp,2)", "8@(%rax,%rbx,8,1)", "8@()", "x@%rdi", "4@%ah", "4@junk"} {
		if _, err := ParseUSDTArgs(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}
