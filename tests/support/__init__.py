"""What the tests share besides fixtures: state, upload, HTTP-provider and browser helpers."""
