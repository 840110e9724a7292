// "Fetch outputs" in Chromium against a real `axon serve`: a Kubernetes run whose outputs stayed in its pod,
// recorded in the home's real SQLite store before the engine starts, on a kube context that is no longer in
// the kubeconfig (what a user who removed a context sees). The experiment page shows the reason and the
// button; clicking it asks the engine, whose Kubernetes backend tries the copy and says why it cannot, shown
// on the page. Outputs really coming home from a pod are test/kubernetes/namespaces-rbac.test.ts (a cluster)
// and test/integration/kept-outputs.test.ts. Screenshots: test-results/kept-*.png; axe on the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { OUTPUTS_KEPT } from '../../shared/statuses';
import { seedKeptRun, startServe, tmpDir, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import { axeAudit, buildRenderer, chromiumMissing, formatViolations, launch, watchedPage } from './browser';

const noChromium = chromiumMissing();
const CONTEXT = 'axon-e2e-deleted-context';
const REASON = `${OUTPUTS_KEPT} axon-h-1-master-0: copying the outputs failed: connect ECONNREFUSED`;
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';
let id = 0;

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-kept-');
  id = await seedKeptRun(home, CONTEXT, REASON);
  served = await startServe(home);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

test(
  "a run whose outputs stayed in its pod offers 'Fetch outputs'; the engine's answer is shown when it cannot",
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const w = await watchedPage(browser!, 'kept');
    const page = w.page;
    await page.goto(`${served!.url}/?token=${served!.token}#/experiments/${id}`);
    await page.getByText(REASON).first().waitFor();
    const button = page.getByRole('button', { name: 'Fetch outputs' });
    await button.click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(
      text,
      new RegExp(`the outputs of experiment ${id} are still not copied: master-0: .*${CONTEXT}`),
    );
    // The run is as it was: still failed, the button still there for another try.
    assert.equal((await served!.client.call('experiments.get', { id })).status, 'failed');
    assert.equal(await button.isEnabled(), true);
    await w.shot('failed');
    const { violations } = await axeAudit(page);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], formatViolations('kept outputs', serious));
    // The one console error is the browser's own line for the refused request.
    assert.deepEqual(
      w.errors.filter((e) => !/Failed to load resource: the server responded with a status of 409/.test(e)),
      [],
    );
  },
);
