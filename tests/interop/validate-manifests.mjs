// Checks the Kubernetes manifests under deploy/kubernetes: every YAML document parses (yaml, in
// strict mode), every Kubernetes object validates against its schema (kubernetes-models), every
// kustomization names files that exist, and the hardening the project promises is there.
// Prints PASS/FAIL lines. usage: node validate-manifests.mjs DEPLOY_KUBERNETES_DIR [--schema-only]
// (--schema-only: the parse and schema checks alone, for the output of kubectl kustomize).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as admission from 'kubernetes-models/admissionregistration.k8s.io/v1';

const root = process.argv[2];
const say = (ok, msg) => console.log(`${ok ? 'PASS' : 'FAIL'} ${msg}`);
const groups = { v1: core, 'apps/v1': apps, 'batch/v1': batch, 'rbac.authorization.k8s.io/v1': rbac,
  'policy/v1': policy, 'networking.k8s.io/v1': networking, 'admissionregistration.k8s.io/v1': admission };
// cert-manager's kinds are CRDs, which kubernetes-models does not ship: checked by hand below.
const crds = { 'cert-manager.io/v1': { Issuer: (o) => !!o.spec && (o.spec.selfSigned || o.spec.ca || o.spec.acme),
  Certificate: (o) => !!o.spec?.secretName && Array.isArray(o.spec?.dnsNames) && !!o.spec?.issuerRef?.name } };
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const objects = [];

for (const file of walk(root).filter((f) => /\.ya?ml$/.test(f))) {
  const name = relative(root, file);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { strict: true, uniqueKeys: true });
  const errors = docs.flatMap((d) => d.errors);
  say(errors.length === 0, `${name}: YAML parses${errors.length ? ': ' + errors[0].message : ''}`);
  for (const doc of docs) {
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    if (obj.kind === 'Kustomization') {
      const refs = [...(obj.resources || []), ...(obj.configMapGenerator || []).flatMap((g) => g.envs || [])];
      const missing = refs.filter((r) => !existsSync(join(dirname(file), r)));
      say(missing.length === 0, `${name}: every kustomization reference exists${missing.length ? ' (missing ' + missing + ')' : ''}`);
      continue;
    }
    const crd = crds[obj.apiVersion]?.[obj.kind];
    if (crd) { say(crd(obj), `${name}: ${obj.kind} ${obj.metadata?.name} has the fields cert-manager needs`); objects.push({ name, obj }); continue; }
    const cls = groups[obj.apiVersion]?.[obj.kind];
    if (!cls) { say(false, `${name}: ${obj.apiVersion} ${obj.kind} has no schema here`); continue; }
    try {
      new cls(obj).validate();
      say(true, `${name}: ${obj.kind} ${obj.metadata?.name} is valid against the Kubernetes schema`);
    } catch (e) {
      say(false, `${name}: ${obj.kind} ${obj.metadata?.name}: ${e.message.split('\n')[0]}`);
    }
    objects.push({ name, obj });
  }
}

if (process.argv[3] === '--schema-only') process.exit(0);
const dep = objects.find((o) => o.obj.kind === 'Deployment' && o.obj.metadata.name === 'saoidc')?.obj;
const pod = dep?.spec?.template?.spec;
const c = pod?.containers?.[0];
say(dep?.spec?.replicas === 2, 'Deployment: 2 replicas');
say(pod?.securityContext?.runAsNonRoot === true, 'Deployment: runs as non-root');
say(c?.securityContext?.readOnlyRootFilesystem === true, 'Deployment: read-only root file system');
say(c?.securityContext?.allowPrivilegeEscalation === false, 'Deployment: no privilege escalation');
say(c?.securityContext?.capabilities?.drop?.includes('ALL'), 'Deployment: drops all capabilities');
say(!!c?.resources?.requests && !!c?.resources?.limits, 'Deployment: resource requests and limits');
say(c?.livenessProbe?.httpGet?.path === '/healthz' && c?.readinessProbe?.httpGet?.path === '/readyz', 'Deployment: probes on /healthz and /readyz');
say(objects.some((o) => o.obj.kind === 'PodDisruptionBudget'), 'a PodDisruptionBudget');
say(objects.some((o) => o.obj.kind === 'NetworkPolicy'), 'a NetworkPolicy');
const role = objects.find((o) => o.obj.kind === 'Role')?.obj;
say(JSON.stringify(role?.rules) === JSON.stringify([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['saoidc-signing-key'], verbs: ['get', 'list', 'watch'] }]),
  'RBAC: get, list and watch on the one Secret (by name), nothing else');
say(objects.some((o) => o.obj.kind === 'ClusterRoleBinding' && o.obj.roleRef?.name === 'system:service-account-issuer-discovery'),
  'RBAC: the issuer-discovery ClusterRole for --from-apiserver');
say(objects.some((o) => o.obj.kind === 'CronJob' && o.obj.spec.jobTemplate.spec.template.spec.containers[0].args.includes('--register')),
  'a CronJob running publish --register');
say(objects.some((o) => o.obj.kind === 'Ingress' && o.obj.metadata.annotations?.['cert-manager.io/cluster-issuer']),
  'an Ingress example with cert-manager');

const mw = objects.find((o) => o.obj.kind === 'MutatingWebhookConfiguration')?.obj?.webhooks?.[0];
say(mw?.sideEffects === 'None' && mw?.timeoutSeconds <= 10 && !!mw?.namespaceSelector && mw?.admissionReviewVersions?.includes('v1'),
  'MutatingWebhookConfiguration: sideEffects None, a timeout, a namespace selector, AdmissionReview v1');
say(mw?.rules?.[0]?.resources?.includes('pods') && mw?.clientConfig?.service?.path === '/mutate', 'the webhook mutates pods at /mutate');
const whd = objects.find((o) => o.obj.kind === 'Deployment' && o.obj.metadata.name === 'saoidc-webhook')?.obj?.spec?.template?.spec;
say(whd?.securityContext?.runAsNonRoot === true && whd?.containers?.[0]?.securityContext?.readOnlyRootFilesystem === true,
  'the webhook Deployment is hardened too');
