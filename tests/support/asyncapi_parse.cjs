// Parse AsyncAPI documents with the official parser (@asyncapi/parser) and print, as JSON, for
// each file whether it parsed and its error diagnostics. Used by tests/integration/test_api_documents.py.
const { Parser } = require("@asyncapi/parser");
const fs = require("fs");

(async () => {
  const parser = new Parser();
  const out = {};
  for (const file of process.argv.slice(2)) {
    const { document, diagnostics } = await parser.parse(fs.readFileSync(file, "utf8"));
    out[file] = {
      parsed: document !== undefined,
      errors: diagnostics
        .filter((d) => d.severity === 0)
        .map((d) => ({ code: d.code, message: d.message, path: d.path.join("/") })),
      warnings: diagnostics
        .filter((d) => d.severity === 1)
        .map((d) => ({ code: d.code, message: d.message, path: d.path.join("/") })),
    };
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(3);
});
