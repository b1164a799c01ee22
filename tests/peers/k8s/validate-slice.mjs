#!/usr/bin/env node
// validate-slice.mjs FILE...: check ResourceSlice documents against the real
// resource.k8s.io/v1 OpenAPI schema (npm kubernetes-models, compiled ajv validators).
//
// Each FILE ("-" is stdin) holds one ResourceSlice, a JSON array of them, or a
// {"kind": "List" | "ResourceSliceList", "items": [...]}. Prints one line per document,
// VALID or INVALID, the latter followed by the schema's error paths (JSON pointers).
// apiVersion and kind must be resource.k8s.io/v1 and ResourceSlice: the model would
// otherwise fill them in. Exit 0 if all are valid, 1 if any is not, 2 on bad input.
//
// validate-slice.mjs --stream [--schema-only]: one JSON document per stdin line, one JSON
// answer per stdout line, {"valid": bool, "errors": [{"path", "message"}]}, until EOF
// (the API server peer keeps one running instead of starting node for every write).
//
// The OpenAPI schema does not carry the API server's validation limits (it accepts 200
// devices of 40 attributes with 100-character strings), so those are checked too, from
// ../shared/reference/protocols.md §5.4, and marked "[limit]"; --schema-only skips them.
//
// Written against the schema only, not against dranet's code: it is an independent peer.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { ResourceSlice } from "kubernetes-models/resource.k8s.io/v1/ResourceSlice";

const API_VERSION = "resource.k8s.io/v1";
const KIND = "ResourceSlice";

function documents(file, doc) {
  if (Array.isArray(doc)) return doc.map((d, i) => [`${file}[${i}]`, d]);
  if (doc && typeof doc === "object" && /^(|ResourceSlice)List$/.test(doc.kind ?? "") &&
      Array.isArray(doc.items))
    return doc.items.map((d, i) => [`${file}:items[${i}]`, d]);
  return [[file, doc]];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = (s) =>
  typeof s === "string" && s.length <= 253 && s.split(".").every((l) => l.length <= 63 && DNS_LABEL.test(l));
const C_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// semver.org's regular expression for SemVer 2.0.0
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const ptr = (...parts) => "/" + parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

// The API server's limits on a v1 ResourceSlice (protocols.md §5.4).
function limitErrors(doc) {
  const errs = [];
  const bad = (path, message) => errs.push({ path, message: `[limit] ${message}` });
  const spec = doc.spec ?? {};
  if (typeof spec.driver === "string" && !(spec.driver.length <= 63 && dnsSubdomain(spec.driver)))
    bad("/spec/driver", "must be a lowercase DNS-1123 subdomain of at most 63 characters");
  const pool = spec.pool?.name;
  if (typeof pool === "string" && !(pool.length <= 253 && pool.split("/").every(dnsSubdomain)))
    bad("/spec/pool/name", "must be DNS subdomains separated by '/', at most 253 characters");
  const devices = Array.isArray(spec.devices) ? spec.devices : [];
  const advanced = devices.some((d) => d?.taints?.length || d?.consumesCounters?.length);
  const maxDevices = advanced ? 64 : 128;
  if (devices.length > maxDevices)
    bad("/spec/devices", `${devices.length} devices, at most ${maxDevices} per slice${advanced ? " (taints or consumesCounters used)" : ""}`);
  devices.forEach((d, i) => {
    if (!d || typeof d !== "object") return;
    if (typeof d.name === "string" && !(d.name.length <= 63 && DNS_LABEL.test(d.name)))
      bad(ptr("spec", "devices", i, "name"), `"${d.name}" is not a DNS-1123 label of at most 63 characters`);
    const attrs = d.attributes ?? {}, caps = d.capacity ?? {};
    const n = Object.keys(attrs).length + Object.keys(caps).length;
    if (n > 32) bad(ptr("spec", "devices", i), `${n} attributes + capacities, at most 32`);
    for (const key of [...Object.keys(attrs), ...Object.keys(caps)]) {
      const slash = key.indexOf("/");
      const id = slash < 0 ? key : key.slice(slash + 1), domain = slash < 0 ? null : key.slice(0, slash);
      if (!(id.length <= 32 && C_IDENT.test(id)) || (domain !== null && !(domain.length <= 63 && dnsSubdomain(domain))))
        bad(ptr("spec", "devices", i, key in attrs ? "attributes" : "capacity", key),
          "name must be a C identifier of at most 32 characters, optionally after a DNS subdomain (at most 63) and '/'");
    }
    for (const [key, v] of Object.entries(attrs)) {
      const at = ptr("spec", "devices", i, "attributes", key);
      if (!v || typeof v !== "object") continue;
      const set = ["int", "bool", "string", "version"].filter((t) => v[t] !== undefined && v[t] !== null);
      if (set.length !== 1) bad(at, `must have exactly one of int, bool, string, version (has ${set.length})`);
      if (typeof v.string === "string" && v.string.length > 64)
        bad(at + "/string", `${v.string.length} characters, at most 64`);
      if (typeof v.version === "string" && (v.version.length > 64 || !SEMVER.test(v.version)))
        bad(at + "/version", "must be a semantic version of at most 64 characters");
    }
  });
  return errs;
}

function errorsOf(doc) {
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    return [{ path: "", message: "must be an object" }];
  const errs = [];
  if (doc.apiVersion !== API_VERSION)
    errs.push({ path: "/apiVersion", message: `must be "${API_VERSION}", is ${JSON.stringify(doc.apiVersion)}` });
  if (doc.kind !== KIND)
    errs.push({ path: "/kind", message: `must be "${KIND}", is ${JSON.stringify(doc.kind)}` });
  try {
    new ResourceSlice(doc).validate();
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const err of e.errors) {
      let message = err.message ?? err.keyword;
      if (err.params?.additionalProperty) message += ` (${err.params.additionalProperty})`;
      errs.push({ path: err.instancePath ?? "", message });
    }
  }
  if (checkLimits) errs.push(...limitErrors(doc));
  return errs;
}

const args = process.argv.slice(2);
const checkLimits = !args.includes("--schema-only");
const files = args.filter((a) => a !== "--schema-only" && a !== "--stream");
if (args.includes("--stream")) {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    let errs;
    try {
      errs = errorsOf(JSON.parse(line));
    } catch (e) {
      errs = [{ path: "", message: `unreadable: ${e.message}` }];
    }
    process.stdout.write(JSON.stringify({ valid: errs.length === 0, errors: errs }) + "\n");
  }
  process.exit(0);
}
if (files.length === 0) {
  console.error("usage: validate-slice.mjs [--schema-only] FILE... (JSON: a ResourceSlice, a list of them, or a List)");
  process.exit(2);
}

let invalid = 0, total = 0, bad_input = false;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (e) {
    console.log(`${file}: UNREADABLE: ${e.message}`);
    bad_input = true;
    continue;
  }
  for (const [label, d] of documents(file, doc)) {
    total++;
    const name = d?.metadata?.name ?? d?.metadata?.generateName ?? "";
    const errs = errorsOf(d);
    if (errs.length === 0) {
      console.log(`${label}${name ? ` (${name})` : ""}: VALID`);
      continue;
    }
    invalid++;
    console.log(`${label}${name ? ` (${name})` : ""}: INVALID`);
    for (const e of errs) console.log(`   ${e.path || "/"} ${e.message}`);
  }
}
console.log(`validate-slice: ${total - invalid} valid, ${invalid} invalid`);
process.exit(bad_input ? 2 : invalid ? 1 : 0);
