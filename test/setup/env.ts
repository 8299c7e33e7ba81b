// Runs in every test worker before the test file: keep the outside network away and make
// test-only settings explicit. Per-file databases and Redis prefixes come from startTestApp().
process.env.NODE_ENV = 'test';
process.env.TZ = 'UTC';
