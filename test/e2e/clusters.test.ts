// Kube contexts in the dashboard end to end: `axon serve` (a real child process, temporary AXON_HOME) with
// KUBECONFIG pointing at a temporary kubeconfig, driven in Debian's Chromium. One context points at a
// STAND-IN for a real cluster (no cluster can run on these machines: a node:http server on 127.0.0.1 that
// answers /version, /api/v1/nodes and /api/v1/namespaces like the API server), the other (kube's current
// context) at a closed port. The Clusters page shows both, the refused one's reason, the stand-in's nodes;
// "Use for Axon" switches Axon's context (settings.json, not the kubeconfig); the Settings page shows it,
// saves a registry, and keeps it across a reload; with the kubeconfig gone the page says how to get one.
// New run offers the Kubernetes backend with a context and namespace from that kubeconfig, sends them with
// runs.create, and shows clearly what became of a run no cluster can take (the refused context: the run
// fails with the engine's reason; a context gone from the kubeconfig: refused in the form). Axon's pods on the
// stand-in cannot be listed (it serves no pods): the Clusters page says so and still shows the capacity.
// Screenshots go to test-results/clusters-*.png. Fails on any console error or uncaught page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, startServe, tmpDir, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import { chromiumMissing, buildRenderer, launch, watchedPage, type WatchedPage } from './browser';
import { closedPort, kubeconfigYaml, startFakeApiServer, type FakeApi } from '../kubernetes/fake-api-server';

const noChromium = chromiumMissing();
let served: Served | null = null;
let browser: Browser | null = null;
let api: FakeApi | null = null;
let home = '';
let kubeconfig = '';
let refusedUrl = '';

before(async () => {
  // Outside CI without Chromium the tests skip (their skip option); under CI=true this fails them, naming it.
  if (!available('Chromium', noChromium)) return;
  buildRenderer(); // a failed build fails the tests, never skips them
  api = await startFakeApiServer({
    token: 'e2e-token',
    nodes: [
      { name: 'kind-control-plane', cpu: '8', memory: '16318412Ki', controlPlane: true },
      { name: 'kind-worker', cpu: '16', memory: '65838164Ki', gpus: 2 },
    ],
  });
  refusedUrl = `http://127.0.0.1:${await closedPort()}`;
  const dir = tmpDir('axon-e2e-kube-');
  kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(
    kubeconfig,
    kubeconfigYaml(
      [
        { name: 'kind-fake', server: api.url, token: 'e2e-token' },
        { name: 'prod-refused', server: refusedUrl, token: 'x', namespace: 'ml' },
      ],
      'prod-refused',
    ),
  );
  home = tmpDir('axon-e2e-clusters-');
  served = await startServe(home, { env: { KUBECONFIG: kubeconfig } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  await api?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function token(): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string }).token;
}

/**
 * axe-core's serious and critical WCAG 2.1 A/AA findings on the page as it is. axe is injected through
 * `page.evaluate` (CDP, which the page's CSP does not govern), so the page keeps its real policy.
 */
async function a11y(page: Page, where: string): Promise<string[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object')
    await page.evaluate(fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } };
  const json = await page.evaluate(
    `axe.run(document, ${JSON.stringify(options)}).then((r) => JSON.stringify(r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))`,
  );
  return (JSON.parse(json as string) as string[]).map((v) => `${where}: ${v}`);
}

/** a11y() in the theme the page is in, then in the other one (the sidebar's button), and back. */
async function a11yBothThemes(page: Page, where: string): Promise<string[]> {
  const out = await a11y(page, where);
  await page.getByRole('button', { name: /^(Dark|Light) theme$/ }).click();
  out.push(...(await a11y(page, `${where}, other theme`)));
  await page.getByRole('button', { name: /^(Dark|Light) theme$/ }).click();
  return out;
}

test(
  'kube contexts on the Clusters and Settings pages in Chromium (stand-in cluster)',
  { skip: skipOrFail(noChromium), timeout: 180_000 },
  async (t) => {
    const w: WatchedPage = await watchedPage(browser!, 'clusters');
    const { page } = w;
    const base = served!.url;
    const original = fs.readFileSync(kubeconfig);
    const findings: string[] = [];

    await t.test(
      "the Clusters page lists the contexts; kube's current one is refused, with the reason",
      async () => {
        await page.goto(`${base}/?token=${token()}#/clusters`);
        await page.getByRole('heading', { name: 'Kubernetes', level: 2 }).waitFor();
        const contexts = page.getByRole('table', { name: 'Kube contexts' });
        await contexts.getByRole('button', { name: 'kind-fake' }).waitFor();
        await contexts.getByRole('button', { name: 'prod-refused' }).waitFor();
        assert.match(await contexts.innerText(), /prod-refused\s*kube current/);
        await page.getByText(`Not reachable: connection refused at ${refusedUrl}`).waitFor();
        await page
          .getByText('Axon uses kube’s current context, prod-refused, until you choose one.')
          .waitFor();
        await page.getByText('Runs with the Kubernetes backend go to the context and namespace').waitFor();
        await w.shot('01-refused');
        findings.push(...(await a11y(page, 'clusters, refused')));
      },
    );

    await t.test('choosing the stand-in cluster shows its version, namespace and nodes', async () => {
      await page.getByRole('button', { name: 'kind-fake' }).click();
      await page.getByText('reachable, Kubernetes v1.31.0').waitFor();
      const nodes = page.getByRole('table', { name: 'Nodes' });
      await nodes.getByText('kind-worker', { exact: true }).waitFor();
      const rows = await nodes
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c.textContent ?? '').trim())),
        );
      assert.deepEqual(
        rows.map((r) => [r[0], r[1], r[3], r[5]]),
        [
          ['kind-control-plane', 'Ready', '8', '0'],
          ['kind-worker', 'Ready', '16', '2'],
        ],
      );
      await page.getByText('2 of 2 ready').waitFor();
      // Axon's pods: the stand-in serves no pod list, so the namespace is reported; the capacity still shows.
      await page.getByRole('heading', { name: 'Axon’s pods on kind-fake' }).waitFor();
      await page.getByText('Some namespaces could not be read').waitFor();
      await page.getByText(/^default: /).waitFor();
      await page.getByText('No pods of this Axon in the namespaces that could be read').waitFor();
      const capacity = await page
        .getByRole('table', { name: 'Capacity used by Axon’s pods' })
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c.textContent ?? '').trim())),
        );
      assert.deepEqual(capacity, [
        ['CPU (cores)', '0', '24', '0%'],
        ['Memory', '0 B', '78.2 GiB', '0%'],
        ['GPUs', '0', '2', '0%'],
      ]);
      await w.shot('02-stand-in-cluster');
      findings.push(...(await a11y(page, 'clusters, nodes')));
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await w.shot('02-stand-in-cluster-dark');
      findings.push(...(await a11y(page, 'clusters, nodes, dark')));
      await page.getByRole('button', { name: 'Light theme' }).click();
    });

    await t.test('"Use for Axon" keeps the choice in settings.json, not in the kubeconfig', async () => {
      await page.getByRole('button', { name: 'Use for Axon' }).click();
      await page.getByRole('button', { name: 'Used for Axon' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Used for Axon' }).isDisabled(), true);
      await page.getByText('Axon uses kind-fake (its own choice).').waitFor();
      const settings = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
      assert.equal(settings.kubeContext, 'kind-fake');
      assert.deepEqual(fs.readFileSync(kubeconfig), original, 'the kubeconfig is unchanged');
      await w.shot('03-used-for-axon');
    });

    await t.test(
      'the Settings page shows the context and saves a registry that survives a reload',
      async () => {
        await page.getByRole('link', { name: 'Settings' }).click();
        const select = page.getByLabel('Context Axon uses');
        await select.waitFor();
        assert.equal(await select.inputValue(), 'kind-fake');
        const mode = page.getByLabel('How images reach kind-fake');
        assert.equal(await mode.inputValue(), 'kind-load', 'a kind context loads images by default');
        await mode.selectOption('registry');
        const url = page.getByLabel('Registry for kind-fake');
        await url.fill('https://localhost:5001');
        await page.getByText('without http:// or https://').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Save registries' }).isDisabled(), true);
        await url.fill('localhost:5001');
        await page.getByLabel('How images reach prod-refused').selectOption('registry');
        await page.getByLabel('Registry for prod-refused').fill('ghcr.io/team/axon');
        await page.getByRole('button', { name: 'Save registries' }).click();
        await page.getByText('Saved.').waitFor();
        await w.shot('04-settings-saved');
        findings.push(...(await a11y(page, 'settings')));

        await page.reload();
        await page.getByLabel('Registry for kind-fake').waitFor();
        assert.equal(await page.getByLabel('Registry for kind-fake').inputValue(), 'localhost:5001');
        assert.equal(await page.getByLabel('Registry for prod-refused').inputValue(), 'ghcr.io/team/axon');
        assert.equal(await page.getByLabel('Context Axon uses').inputValue(), 'kind-fake');
        const settings = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
        assert.deepEqual(settings.contexts, {
          'kind-fake': { registry: { kind: 'registry', url: 'localhost:5001' } },
          'prod-refused': { registry: { kind: 'registry', url: 'ghcr.io/team/axon' } },
        });
        assert.deepEqual(fs.readFileSync(kubeconfig), original, 'the kubeconfig is unchanged');
        await w.shot('05-settings-reloaded');
      },
    );

    await t.test('without a kubeconfig the Clusters page says how to get one', async () => {
      const aside = `${kubeconfig}.aside`;
      fs.renameSync(kubeconfig, aside);
      try {
        await page.getByRole('link', { name: 'Clusters' }).click();
        await page.getByText(`No kubeconfig found at ${kubeconfig}`).waitFor();
        await page.getByText('kind create cluster').first().waitFor();
        await w.shot('06-no-kubeconfig');
        findings.push(...(await a11y(page, 'clusters, empty')));
      } finally {
        fs.renameSync(aside, kubeconfig);
      }
    });

    await t.test(
      'New run offers Kubernetes with the context and namespace of the kubeconfig, and sends them',
      async () => {
        const code = tmpDir('axon-e2e-kcode-');
        await served!.client.call('projects.create', { name: 'kproj', codePath: code });
        await page.goto(`${base}/#/projects/kproj`);
        await page.getByRole('button', { name: 'New run' }).click();
        const backends = page.getByRole('group', { name: 'Backend' });
        for (const b of ['local', 'docker', 'kubernetes'])
          await backends.getByRole('radio', { name: new RegExp(`^${b}`) }).waitFor();
        await backends.getByRole('radio', { name: /^kubernetes/ }).check();
        const context = page.getByLabel('Kube context');
        const namespace = page.getByLabel('Namespace', { exact: true });
        await context.waitFor();
        assert.equal(await context.inputValue(), 'kind-fake', 'Axon’s context (chosen above) by default');
        assert.equal(await namespace.inputValue(), 'default', 'kind-fake sets no namespace');
        await page.getByText('The namespace Axon uses on kind-fake.').waitFor();
        await context.selectOption('prod-refused');
        assert.equal(await namespace.inputValue(), 'ml', 'the namespace of the context chosen');
        // The registry saved above is how the image gets there.
        await page.getByText(/then pushed to ghcr\.io\/team\/axon\./).waitFor();

        await page
          .locator('#polyaxonfile-editor')
          .fill(
            'version: 1\nkind: experiment\nbuild: {image: "axon-test/busybox:1"}\nrun:\n  cmd: echo hi\n',
          );
        await page.getByText(/Valid v0 experiment/).waitFor();
        const run = page.getByRole('button', { name: 'Run', exact: true });
        await namespace.fill('ML_team');
        await page.getByText('Namespace: lower-case letters, digits and -').waitFor();
        assert.equal(await namespace.getAttribute('aria-invalid'), 'true');
        assert.equal(await run.isDisabled(), true, 'an invalid namespace cannot be sent');
        await namespace.fill('ml-team');
        await page.getByText('Axon uses ml on prod-refused; this run goes to ml-team.').waitFor();
        assert.equal(await run.isDisabled(), false);
        await w.shot('07-new-run-kubernetes');
        findings.push(...(await a11yBothThemes(page, 'new run, kubernetes')));

        const available = (await served!.client.call('system.info', {})).backends.find(
          (b) => b.name === 'kubernetes',
        );
        const sent = page.waitForRequest((r) => r.url().endsWith('/api/runs.create'));
        await run.click();
        const body = JSON.parse((await sent).postData() ?? '{}');
        assert.deepEqual(
          [body.backend, body.context, body.namespace],
          ['kubernetes', 'prod-refused', 'ml-team'],
        );
        if (!available?.available) {
          // No Docker here: the engine refuses the run, and the form says why.
          await page.getByText(/^The run was not started: .*builds its images with Docker/).waitFor();
          await w.shot('08-kubernetes-refused-no-docker');
          return;
        }
        // The run is created; the context answers nobody, so it waits for it (never fails for that), saying why.
        await page.waitForURL(/#\/experiments\/\d+/);
        await page.locator('h1 [data-status="created"]').waitFor({ timeout: 30_000 });
        const line = page.locator('.status-line');
        await line.getByText(/waiting for kube context prod-refused/).waitFor({ timeout: 30_000 });
        await page.getByText(/Not started yet: the cluster of this run does not answer/).waitFor();
        await page.getByRole('tab', { name: 'Events' }).click();
        await page.getByText('No pod yet').waitFor();
        await w.shot('08-kubernetes-run-waiting');
        findings.push(...(await a11yBothThemes(page, 'experiment, events, no pod')));
      },
    );

    await t.test(
      'a context gone from the kubeconfig since the form opened is refused, with why',
      async () => {
        await page.goto(`${base}/#/projects/kproj`);
        await page.getByRole('button', { name: 'New run' }).click();
        await page
          .getByRole('group', { name: 'Backend' })
          .getByRole('radio', { name: /^kubernetes/ })
          .check();
        await page.getByLabel('Kube context').selectOption('prod-refused');
        await page
          .locator('#polyaxonfile-editor')
          .fill(
            'version: 1\nkind: experiment\nbuild: {image: "axon-test/busybox:1"}\nrun:\n  cmd: echo hi\n',
          );
        await page.getByText(/Valid v0 experiment/).waitFor();
        fs.writeFileSync(
          kubeconfig,
          kubeconfigYaml([{ name: 'kind-fake', server: api!.url, token: 'e2e-token' }], 'kind-fake'),
        );
        try {
          await page.getByRole('button', { name: 'Run', exact: true }).click();
          const available = (await served!.client.call('system.info', {})).backends.find(
            (b) => b.name === 'kubernetes',
          );
          const error = page.getByRole('alert').filter({ hasText: 'The run was not started' });
          await error.waitFor();
          assert.match(
            await error.innerText(),
            available?.available
              ? /no kube context "prod-refused" in .*; the contexts are: kind-fake/
              : /builds its images with Docker/,
          );
          assert.match(page.url(), /#\/projects\/kproj/, 'the page stays on the form');
          // The browser logs the refusal's HTTP status (404: no such context) as a console error; that one is
          // expected here, any other still fails the test.
          const refusal = /status of 40[049] .*\/api\/runs\.create\)$/;
          assert.equal(w.errors.filter((e) => refusal.test(e)).length, 1, w.errors.join('\n'));
          w.errors.splice(0, w.errors.length, ...w.errors.filter((e) => !refusal.test(e)));
          await w.shot('09-kubernetes-context-gone');
        } finally {
          fs.writeFileSync(kubeconfig, original);
        }
      },
    );

    assert.deepEqual(w.errors, [], `console errors:\n${w.errors.join('\n')}`);
    assert.deepEqual(findings, [], `accessibility (axe, serious or critical):\n${findings.join('\n')}`);
  },
);
