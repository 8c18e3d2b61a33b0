// Validates rendered Kubernetes manifests (kubectl kustomize output) against
// the Kubernetes API schemas of the npm package kubernetes-models, and the
// ServiceMonitor against @kubernetes-models/prometheus-operator's CRD schema.
// Run by tests/infra/k8s-validate.sh from the folder it installed the
// packages into (bare imports resolve from there).
//
//   node k8s-validate.mjs RENDERED.yaml...            validate, exit 1 on any error
//   node k8s-validate.mjs --extract-config DIR FILE   write the scimsync configuration
//                                                     mounted by FILE's pod into DIR
//
// Three checks per object:
//  1. the package's JSON-schema validator (types, enums, formats, required
//     fields);
//  2. unknown fields: Kubernetes' OpenAPI schemas do not forbid them, so (1)
//     lets a misplaced or misspelt field through, which the API server's
//     strict field validation refuses.  Each object is written as a typed
//     TypeScript literal against the package's declarations and type-checked:
//     an excess property is an error, with the field's path;
//  3. scimsync's own rules for its pods (non-root, read-only root, no
//     capability, limits, ...) and references between the objects (the
//     ConfigMaps and ServiceAccount a pod names must be rendered too).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));

// Custom resources: API group -> the package holding its models.
const crdPackages = {
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function modulePath(apiVersion, kind) {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const pkg = crdPackages[group] ?? "kubernetes-models";
    return `${pkg}/${apiVersion}/${kind}`;
}

function idOf(o) {
    const m = o.metadata ?? {};
    return `${o.kind} ${m.namespace ? m.namespace + "/" : ""}${m.name ?? "(no name)"}`;
}

// Every document of FILE as plain objects; a YAML error is fatal.
function load(file) {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    const out = [];
    for (const d of docs) {
        if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
        const o = d.toJS();
        if (o !== null && o !== undefined) out.push(o);
    }
    return out;
}

// JSON with one property or item per line, and the path of each line, so a
// type error reported at a line names the field.
function serialise(value) {
    const lines = [];
    const paths = [];
    const emit = (text, path) => {
        lines.push(text);
        paths.push(path);
    };
    const walk = (v, path, indent, prefix, suffix) => {
        const pad = "  ".repeat(indent);
        if (Array.isArray(v)) {
            emit(`${pad}${prefix}[`, path);
            v.forEach((x, i) => walk(x, `${path}[${i}]`, indent + 1, "", i < v.length - 1 ? "," : ""));
            emit(`${pad}]${suffix}`, path);
        } else if (v !== null && typeof v === "object") {
            emit(`${pad}${prefix}{`, path);
            const keys = Object.keys(v);
            keys.forEach((k, i) =>
                walk(v[k], path ? `${path}.${k}` : k, indent + 1, `${JSON.stringify(k)}: `,
                     i < keys.length - 1 ? "," : ""));
            emit(`${pad}}${suffix}`, path);
        } else {
            emit(`${pad}${prefix}${JSON.stringify(v)}${suffix}`, path);
        }
    };
    walk(value, "", 0, "", ";");
    return { lines, paths };
}

// Check 2, for every object at once (one TypeScript program).
function checkUnknownFields(objects, errors) {
    const dir = mkdtempSync(join(here, "typecheck-"));
    try {
        const files = [];
        const info = new Map();
        objects.forEach(({ obj, where }, i) => {
            const { lines, paths } = serialise(obj);
            const head = [
                `import type { I${obj.kind} as T } from ${JSON.stringify(modulePath(obj.apiVersion, obj.kind))};`,
                "export const o: T =",
            ];
            const file = join(dir, `o${i}.ts`);
            writeFileSync(file, [...head, ...lines].join("\n") + "\n");
            files.push(file);
            info.set(file, { where, id: idOf(obj), paths, offset: head.length });
        });
        const program = ts.createProgram(files, {
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.NodeNext,
            moduleResolution: ts.ModuleResolutionKind.NodeNext,
            types: [],
        });
        for (const d of ts.getPreEmitDiagnostics(program)) {
            const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
            const f = d.file && info.get(d.file.fileName);
            if (!f) {
                errors.push(`typecheck: ${msg}`);
                continue;
            }
            const line = d.file.getLineAndCharacterOfPosition(d.start ?? 0).line - f.offset;
            const path = f.paths[line] ?? "";
            errors.push(`${f.where}: ${f.id}: ${path || "(object)"}: ${msg}`);
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

function podSpecOf(o) {
    if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
    if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)) return o.spec?.template?.spec;
    return undefined;
}

// Check 3: what every scimsync pod must be, whatever the overlay changed.
function checkPolicy(objects, where, errors) {
    const has = (kind, name) => objects.some((o) => o.kind === kind && o.metadata?.name === name);
    const fail = (o, what) => errors.push(`${where}: ${idOf(o)}: ${what}`);
    let pods = 0;
    for (const o of objects) {
        const spec = podSpecOf(o);
        if (!spec) continue;
        pods++;
        const psc = spec.securityContext ?? {};
        if (psc.runAsNonRoot !== true) fail(o, "securityContext.runAsNonRoot must be true");
        if (psc.runAsUser !== 10001 || psc.runAsGroup !== 10001)
            fail(o, "securityContext.runAsUser / runAsGroup must be 10001 (the image's user)");
        if (psc.seccompProfile?.type !== "RuntimeDefault") fail(o, "securityContext.seccompProfile.type must be RuntimeDefault");
        if (spec.automountServiceAccountToken !== false) fail(o, "automountServiceAccountToken must be false");
        if (!spec.serviceAccountName || !has("ServiceAccount", spec.serviceAccountName))
            fail(o, `serviceAccountName ${spec.serviceAccountName ?? "(unset)"} is not rendered`);
        for (const c of spec.containers ?? []) {
            const sc = c.securityContext ?? {};
            if (sc.readOnlyRootFilesystem !== true) fail(o, `container ${c.name}: readOnlyRootFilesystem must be true`);
            if (sc.allowPrivilegeEscalation !== false) fail(o, `container ${c.name}: allowPrivilegeEscalation must be false`);
            if (sc.privileged === true) fail(o, `container ${c.name}: must not be privileged`);
            if (!(sc.capabilities?.drop ?? []).includes("ALL") || (sc.capabilities?.add ?? []).length)
                fail(o, `container ${c.name}: capabilities must drop ALL and add none`);
            if (!c.resources?.limits?.memory || !c.resources?.requests?.cpu)
                fail(o, `container ${c.name}: needs a memory limit and a CPU request`);
        }
        for (const v of spec.volumes ?? []) {
            if (v.configMap && !has("ConfigMap", v.configMap.name))
                fail(o, `volume ${v.name}: ConfigMap ${v.configMap.name} is not rendered`);
            if (v.secret && (v.secret.defaultMode ?? 0o644) & 0o007)
                fail(o, `volume ${v.name}: secret files must not be readable by others (defaultMode)`);
        }
        if (o.kind === "CronJob" && o.spec.concurrencyPolicy !== "Forbid")
            fail(o, "concurrencyPolicy must be Forbid (two runs at once would race)");
        if (o.kind === "Deployment" && (o.spec.replicas !== 1 || o.spec.strategy?.type !== "Recreate"))
            fail(o, "the daemon must run exactly once: replicas 1, strategy Recreate");
    }
    if (pods !== 1) errors.push(`${where}: expected exactly one workload (CronJob or Deployment), found ${pods}`);

    // Selectors must find what they are meant for: the NetworkPolicy and the
    // Service the workload's pods, the ServiceMonitor the Service.
    const within = (sel, labels) => Object.entries(sel ?? {}).every(([k, v]) => (labels ?? {})[k] === v);
    const podLabels = objects.filter(podSpecOf).map((o) =>
        (o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template).metadata?.labels);
    const selects = (sel, what) => what.some((l) => within(sel, l));
    for (const o of objects) {
        if (o.kind === "NetworkPolicy" && !selects(o.spec?.podSelector?.matchLabels, podLabels))
            fail(o, "podSelector matches no pod of the workload");
        if (o.kind === "Service" && !selects(o.spec?.selector, podLabels))
            fail(o, "selector matches no pod of the workload");
        if (o.kind === "ServiceMonitor" &&
            !selects(o.spec?.selector?.matchLabels, objects.filter((x) => x.kind === "Service").map((x) => x.metadata?.labels)))
            fail(o, "selector matches no Service");
    }
}

async function validate(files) {
    const errors = [];
    const all = [];
    for (const file of files) {
        const where = basename(file, ".yaml");
        let objects;
        try {
            objects = load(file);
        } catch (e) {
            errors.push(e.message);
            continue;
        }
        const kinds = {};
        for (const obj of objects) {
            if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
                errors.push(`${where}: an object without apiVersion / kind`);
                continue;
            }
            let Model;
            try {
                Model = (await import(modulePath(obj.apiVersion, obj.kind)))[obj.kind];
            } catch {
                errors.push(`${where}: ${idOf(obj)}: no schema for ${obj.apiVersion} ${obj.kind} ` +
                            "(a custom resource needs its models package in k8s-validate.mjs)");
                continue;
            }
            try {
                new Model(obj).validate();
            } catch (e) {
                errors.push(`${where}: ${idOf(obj)}: ${e.message}`);
            }
            all.push({ obj, where });
            kinds[obj.kind] = (kinds[obj.kind] ?? 0) + 1;
        }
        checkPolicy(objects, where, errors);
        const summary = Object.entries(kinds).map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(", ");
        console.log(`rendered ${where}: ${objects.length} objects (${summary})`);
    }
    checkUnknownFields(all, errors);
    for (const e of errors) console.error(`error: ${e}`);
    if (errors.length) {
        console.error(`${errors.length} error(s)`);
        process.exit(1);
    }
    console.log(`${all.length} objects valid (schema, unknown fields, pod rules)`);
}

// The configuration files the workload's pod mounts: /etc/scimsync/scimsync.ini
// (subPath of a ConfigMap) and /etc/scimsync/conf.d (a whole ConfigMap).
function extractConfig(outDir, file) {
    const objects = load(file);
    const workload = objects.find((o) => podSpecOf(o));
    if (!workload) throw new Error(`${file}: no workload`);
    const spec = podSpecOf(workload);
    const cms = Object.fromEntries(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
    const volumes = Object.fromEntries((spec.volumes ?? []).map((v) => [v.name, v]));
    mkdirSync(join(outDir, "conf.d"), { recursive: true });
    for (const m of spec.containers[0].volumeMounts ?? []) {
        const cm = cms[volumes[m.name]?.configMap?.name];
        if (!cm) continue;
        if (m.mountPath === "/etc/scimsync/scimsync.ini") {
            writeFileSync(join(outDir, "scimsync.ini"), cm.data[m.subPath]);
        } else if (m.mountPath === "/etc/scimsync/conf.d") {
            for (const [k, v] of Object.entries(cm.data ?? {})) writeFileSync(join(outDir, "conf.d", k), v);
        }
    }
}

const args = process.argv.slice(2);
if (args[0] === "--extract-config" && args.length === 3) {
    extractConfig(args[1], args[2]);
} else if (args.length && !args[0].startsWith("--")) {
    await validate(args);
} else {
    console.error("usage: node k8s-validate.mjs RENDERED.yaml... | --extract-config DIR RENDERED.yaml");
    process.exit(2);
}
