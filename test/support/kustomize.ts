/**
 * Builds a kustomization with the real kustomize, as `kubectl apply -k` does (`kubectl kustomize`
 * is the same code), and returns the objects it would send to the cluster. No cluster is needed.
 */
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { requireBinary } from './processes.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Kubernetes object as kustomize writes it; the rest of its fields are read by the tests. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** kubectl's own kustomize; the manifests use kustomize v5 syntax (`labels`, inline `patches`). */
const MIN_KUSTOMIZE_MAJOR = 5;

let checkedKubectl: string | undefined;

function kubectl(): string {
  if (checkedKubectl !== undefined) return checkedKubectl;
  let binary: string;
  try {
    binary = requireBinary('kubectl');
  } catch {
    throw new Error(
      'kubectl is not installed; the Kubernetes manifest tests build the kustomizations with ' +
        `\`kubectl kustomize\` (kustomize v${MIN_KUSTOMIZE_MAJOR} or newer, as in kubectl 1.27+). ` +
        "Debian's kubernetes-client package is too old (kubectl 1.20, kustomize v2).",
    );
  }
  const version = execFileSync(binary, ['version', '--client'], { encoding: 'utf8' });
  const major = Number(/Kustomize Version: v(\d+)\./.exec(version)?.[1] ?? 0);
  if (major < MIN_KUSTOMIZE_MAJOR) {
    throw new Error(`${binary} has kustomize v${major}; the manifests need v${MIN_KUSTOMIZE_MAJOR} or newer:\n${version}`);
  }
  checkedKubectl = binary;
  return binary;
}

/** The objects `kubectl apply -k <directory>` would apply, in kustomize's order. */
export function kustomizeBuild(directory: string): Manifest[] {
  const output = execFileSync(kubectl(), ['kustomize', directory], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(output).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`kustomize output, document ${index}: ${document.errors[0]?.message}`);
    const manifest = document.toJS() as Manifest;
    if (typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string' || typeof manifest.metadata.name !== 'string') {
      throw new Error(`kustomize output, document ${index}: not a Kubernetes object`);
    }
    return manifest;
  });
}
