// Runs before every test file (vitest setupFiles). Tests that call main() in
// this process must not append to a CI job's real step summary, nor use a
// developer's key password; a test that needs one sets it itself.
delete process.env['GITHUB_STEP_SUMMARY'];
delete process.env['COSIGN_PASSWORD'];
delete process.env['GATEHOUSE_PASSWORD'];
