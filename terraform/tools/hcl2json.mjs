// Parses every .tf file under the given directory with @cdktf/hcl2json (HashiCorp's HCL parser compiled to
// WebAssembly) and prints {"<relative path>": <file as JSON>}. Exits 1 naming the file on a syntax error.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createRequire } from "node:module";

const root = process.argv[2];
const require = createRequire(join(process.argv[3], "package.json"));
const { parse } = require("@cdktf/hcl2json");

function tfFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    if (entry.startsWith(".")) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return tfFiles(path);
    return entry.endsWith(".tf") ? [path] : [];
  });
}

const parsed = {};
for (const file of tfFiles(root).sort()) {
  try {
    parsed[relative(root, file)] = await parse(file, readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`${relative(root, file)}: ${error.message ?? error}`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(parsed));
