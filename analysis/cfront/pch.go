package cfront

// preparePCH decides whether a large virtual header is precompiled.
func (j *clangJob) preparePCH() error { return nil }
