import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildProgram } from '../../cli/index.ts';
import { ROOT, run, temporaryDirectory, tool } from '../helpers.ts';

const DIR = join(ROOT, 'deploy', 'kubernetes');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.yaml')).sort();
const objects = FILES.flatMap((name) => parseAllDocuments(readFileSync(join(DIR, name), 'utf8')).map((doc) => doc.toJS() as Record<string, any>));
const one = (kind: string) => {
  const found = objects.filter((object) => object['kind'] === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes', () => {
  describe('kubecheck (strict decoding into the pinned k8s.io/api types)', () => {
    it('accepts every manifest', () => {
      const checked = run(tool('.tools/bin/kubecheck'), FILES.map((name) => join(DIR, name)));
      expect(checked.stderr).toBe('');
      expect(checked.status).toBe(0);
      expect(checked.stdout.trim().split('\n')).toHaveLength(objects.length);
    });

    it('refuses a misspelt field, a value of the wrong type and a kind it has no type for', async () => {
      const dir = await temporaryDirectory();
      const cases = {
        misspelt: readFileSync(join(DIR, 'pdb.yaml'), 'utf8').replace('minAvailable', 'minAvailible'),
        mistyped: readFileSync(join(DIR, 'webhook.yaml'), 'utf8').replace('timeoutSeconds: 10', 'timeoutSeconds: ten'),
        unknown: 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
      };
      for (const [name, text] of Object.entries(cases)) {
        const path = join(dir, `${name}.yaml`);
        writeFileSync(path, text);
        const checked = run(tool('.tools/bin/kubecheck'), [path]);
        expect({ name, status: checked.status }).toEqual({ name, status: 1 });
        expect(checked.stderr).toMatch(name === 'misspelt' ? /unknown field "minAvailible"/ : name === 'mistyped' ? /timeoutSeconds/ : /no Kubernetes type/);
      }
    });
  });

  describe('consistency', () => {
    const deployment = one('Deployment');
    const container = deployment['spec'].template.spec.containers[0];
    const args: string[] = container.args;
    const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=').slice(1).join('=');

    it('runs gatehouse serve with flags it has', async () => {
      expect(args[0]).toBe('serve');
      const program = await buildProgram(undefined, ['serve']);
      const serve = program.commands.find((command) => command.name() === 'serve')!;
      const known = new Set(serve.options.map((option) => option.long));
      for (const arg of args.slice(1)) expect(known).toContain(arg.split('=')[0]);
    });

    it('fails closed with a webhook timeout above the internal deadline, for each stage the policy knows', () => {
      const deadline = Number(flag('deadline-ms'));
      expect(deadline).toBeGreaterThan(0);
      const stages = Object.keys((parse(readFileSync(join(ROOT, 'policies', 'data', 'stages.yaml'), 'utf8')) as { stages: object }).stages);
      const webhooks: any[] = one('ValidatingWebhookConfiguration')['webhooks'];
      expect(webhooks.length).toBeGreaterThan(0);
      for (const webhook of webhooks) {
        expect(webhook.failurePolicy).toBe('Fail');
        expect(webhook.timeoutSeconds * 1000).toBeGreaterThanOrEqual(deadline + 1000);
        expect(webhook.admissionReviewVersions).toEqual(['v1']);
        const resources = webhook.rules.flatMap((rule: { resources: string[]; operations: string[] }) => (expect(rule.operations).toEqual(['CREATE', 'UPDATE']), rule.resources));
        expect(resources.sort()).toEqual(['deployments', 'inferenceservices', 'pods']);
        expect(webhook.clientConfig.service).toMatchObject({ namespace: 'gatehouse', name: 'gatehouse', port: 443 });
        const stage = /^\/v1\/admission(?:\/(.+))?$/.exec(webhook.clientConfig.service.path)![1];
        if (stage === undefined) {
          // The catch-all for enforced namespaces with no stage: the server denies them.
          expect(webhook.namespaceSelector.matchExpressions).toContainEqual({ key: 'gatehouse.dev/stage', operator: 'DoesNotExist' });
        } else {
          expect(stages).toContain(stage);
          expect(webhook.namespaceSelector.matchLabels).toEqual({ 'gatehouse.dev/stage': stage });
        }
      }
    });

    it('wires the Service, probes, disruption budget and autoscaler to the Deployment', () => {
      const labels = deployment['spec'].template.metadata.labels;
      const service = one('Service');
      expect(labels).toMatchObject(service['spec'].selector);
      const port = container.ports.find((p: { name: string }) => p.name === service['spec'].ports[0].targetPort);
      expect(`0.0.0.0:${port.containerPort}`).toBe(flag('listen'));
      expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
      expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', scheme: 'HTTPS' });
      const pdb = one('PodDisruptionBudget');
      expect(labels).toMatchObject(pdb['spec'].selector.matchLabels);
      const hpa = one('HorizontalPodAutoscaler');
      expect(hpa['spec'].scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment['metadata'].name });
      expect(hpa['spec'].minReplicas).toBeGreaterThan(pdb['spec'].minAvailable);
      expect(deployment['spec'].replicas).toBe(hpa['spec'].minReplicas);
      expect(flag('store')).toMatch(/^postgres:\/\//);
    });
  });
});
