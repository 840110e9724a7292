// A shared engine in the dashboard end to end (issue #14): a real `axon serve --auth` on a temporary home, its
// first superuser made with `axon user create --superuser` as the docs say, alice and bob made by that
// superuser through the API. alice and bob sign in on the login page, each in their own Chromium context, each
// creates a project and runs a short local run, and neither sees the other's project or run: not in the
// lists, and not at its address (the same "not found" as a project that does not exist). Then: the login
// page's wrong-password message (the same for a user that does not exist), an API token created once with a
// copy button and revoked, an organization with members and roles, its quota changed live by a superuser and
// shown on the Clusters page, a session ended elsewhere bringing the login page back, and signing out.
// Screenshots (both themes) go to test-results/auth-*.png; axe-core checks the pages; no console errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { createHttpClient } from '../../shared/http-client';
import type { AxonApi } from '../../shared/api';
import { BIN, projectWith, startServe, tmpDir, waitFor, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  axeAudit,
  buildRenderer,
  chromiumMissing,
  formatViolations,
  launch,
  watchedPage,
  type WatchedPage,
} from './browser';

const noChromium = chromiumMissing();
const PASSWORDS = { root: 'root-password-1', alice: 'alice-password-1', bob: 'bob-password-1' };
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';

/** `axon user create NAME --superuser --password-stdin`, the way the first superuser is made on the machine. */
function createSuperuser(name: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'user', 'create', name, '--superuser', '--password-stdin'], {
      env: { ...process.env, AXON_HOME: home, AXON_QUIET: '1', AXON_NO_BACKGROUND: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.stdin.end(`${password}\n`);
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`axon user create: ${code}: ${out}`)),
    );
  });
}

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-auth-');
  await createSuperuser('root', PASSWORDS.root);
  served = await startServe(home, { args: ['--auth', '--allow-local-jobs'] });
  const root = await signedIn('root');
  for (const name of ['alice', 'bob'] as const)
    await root.call('users.create', { username: name, password: PASSWORDS[name] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** An API client signed in as `name` (a session of its own, as `axon login` makes). */
async function signedIn(name: keyof typeof PASSWORDS): Promise<AxonApi> {
  const s = await createHttpClient(served!.url, '').call('auth.login', {
    username: name,
    password: PASSWORDS[name],
  });
  return createHttpClient(served!.url, s.token);
}

/** The credential the page holds (what it sends on every call and on the event socket). */
const pageToken = (page: Page) =>
  page.evaluate("sessionStorage.getItem('axon.token')") as Promise<string | null>;
/** The theme the page shows now (`light` or `dark`), for the screenshot's name. */
const themeOf = (page: Page) => page.evaluate('document.documentElement.dataset.theme') as Promise<string>;

async function signInOnPage(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** axe's serious and critical findings on the page, in this theme and the other (`toggle` switches). */
async function a11yBothThemes(
  page: Page,
  where: string,
  toggle: () => Promise<void>,
  shot: () => Promise<unknown>,
) {
  const out: string[] = [];
  for (const theme of ['first', 'second']) {
    const r = await axeAudit(page);
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (bad.length) out.push(formatViolations(`${where} (${theme} theme)`, bad));
    await shot();
    if (theme === 'first') await toggle();
  }
  await toggle();
  return out;
}

const themeButton = (page: Page) => page.getByRole('button', { name: /^(Dark|Light) theme$/ });

test(
  'two users of a shared engine in Chromium: sign-in, separate projects and runs, tokens, organizations, quotas',
  { skip: skipOrFail(noChromium), timeout: 240_000 },
  async (t) => {
    const base = served!.url;
    const a: WatchedPage = await watchedPage(browser!, 'auth');
    const b: WatchedPage = await watchedPage(browser!, 'auth-bob');
    const findings: string[] = [];
    const runs: Record<string, number> = {};

    await t.test(
      'the login page shows under --auth; a wrong password and an unknown user read the same',
      async () => {
        const { page } = a;
        await page.goto(`${base}/#/projects/alice-proj`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        findings.push(
          ...(await a11yBothThemes(
            page,
            'login page',
            () => themeButton(page).click(),
            async () => a.shot(`login-${await themeOf(page)}`),
          )),
        );
        await signInOnPage(page, 'alice', 'not-her-password');
        const error = page.getByRole('alert');
        await error.getByText('Wrong username or password.').waitFor();
        await a.shot('login-wrong-password');
        await signInOnPage(page, 'nobody-here', 'not-a-password');
        await page.getByText('Wrong username or password.').waitFor();
        assert.doesNotMatch(await error.innerText(), /nobody-here|exist|unknown/i);
        assert.equal(await pageToken(page), null, 'no credential kept after a failed sign-in');
        // Five failures a minute for one name from one address: the sixth try is refused, and says when to retry.
        for (let i = 0; i < 5; i++) {
          await signInOnPage(page, 'nobody-here', `wrong-${i}`);
          await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor();
        }
        await error.getByText(/^Too many failed sign-ins\. Try again in \d+ s\.$/).waitFor();
        await a.shot('login-rate-limited');
      },
    );

    await t.test('alice and bob sign in, each in their own context, and create a project each', async () => {
      for (const [w, name] of [
        [a, 'alice'],
        [b, 'bob'],
      ] as const) {
        const { page } = w;
        if (name === 'bob') await page.goto(`${base}/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await signInOnPage(page, name, PASSWORDS[name]);
        await page.getByRole('button', { name: `${name}: account menu` }).waitFor();
        if (name === 'alice')
          assert.match(page.url(), /#\/projects\/alice-proj$/, 'the address asked for is kept');
        await page.goto(`${base}/#/`);
        // Neither has a project yet: the page opens the form by itself (and nothing of the other's shows).
        await page.getByText('No projects yet').waitFor();
        const form = page.locator('#create-project');
        await form.getByLabel('Name').fill(`${name}-proj`);
        await form.getByRole('button', { name: 'Create project' }).click();
        // Created in her own namespace: the page of "alice/alice-proj".
        await page.waitForURL(new RegExp(`#/projects/${name}/${name}-proj$`));
      }
    });

    await t.test('each runs a short local run; the page hears its own run live', async () => {
      for (const [w, name] of [
        [a, 'alice'],
        [b, 'bob'],
      ] as const) {
        const token = await pageToken(w.page);
        assert.ok(token, `${name}'s page holds a session token`);
        const api = createHttpClient(base, token);
        const proj = projectWith(`echo ${name} was here`);
        const created = await api.call('runs.create', {
          project: `${name}-proj`,
          codePath: proj.dir,
          files: [{ name: 'polyaxonfile.yml', text: fs.readFileSync(proj.file, 'utf8') }],
        });
        const id = created.kind === 'experiment' ? created.experiment.id : created.experiments[0]!.id;
        runs[name] = id;
        await waitFor(
          async () => (await api.call('experiments.get', { id })).status === 'succeeded',
          60_000,
          `${name}'s run to succeed`,
        );
        // The row comes from the event socket (opened with the session token), not from a reload.
        await w.page
          .getByRole('link', { name: new RegExp(`^${id}$`) })
          .first()
          .waitFor({ timeout: 20_000 });
      }
    });

    await t.test("neither sees the other's project or run, in lists or at their address", async () => {
      for (const [w, me, other] of [
        [a, 'alice', 'bob'],
        [b, 'bob', 'alice'],
      ] as const) {
        const { page } = w;
        await page.goto(`${base}/#/`);
        const projects = page.getByRole('table', { name: 'Projects' });
        await projects.getByRole('link', { name: `${me}/${me}-proj` }).waitFor();
        assert.doesNotMatch(await projects.innerText(), new RegExp(`${other}-proj`));
        // The other's project, by its full name or its bare one (which is looked for among one's own),
        // answers as one that does not exist.
        await page.goto(`${base}/#/projects/${other}/${other}-proj`);
        await page.getByText(`no project named "${other}/${other}-proj"`).first().waitFor();
        await page.goto(`${base}/#/projects/${other}-proj`);
        await page.getByText(`no project named "${me}/${other}-proj"`).first().waitFor();
        await page.goto(`${base}/#/experiments/${runs[other]}`);
        await page.getByText(`no experiment with id ${runs[other]}`).first().waitFor();
        assert.doesNotMatch(
          await page.locator('#main').innerText(),
          new RegExp(`${other} was here|forbidden`),
        );
        await page.goto(`${base}/#/experiments/${runs[me]}`);
        await page.getByText(`${me} was here`).first().waitFor({ timeout: 20_000 });
      }
    });

    await t.test('the user menu; an API token shown once with a copy button, then revoked', async () => {
      const { page } = a;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await page.goto(`${base}/#/`);
      await page.getByRole('button', { name: /alice: account menu/ }).click();
      const menu = page.locator('#user-menu-body');
      await menu.getByText('Signed in as').waitFor();
      findings.push(
        ...(await a11yBothThemes(
          page,
          'user menu',
          async () => {
            await page.keyboard.press('Escape');
            await themeButton(page).click();
            await page.getByRole('button', { name: /alice: account menu/ }).click();
          },
          async () => a.shot(`user-menu-${await themeOf(page)}`),
        )),
      );
      await menu.getByRole('link', { name: 'API tokens' }).click();
      await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();
      await page.getByLabel('Name').fill('laptop CLI');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secret = await page.getByLabel('The new token').inputValue();
      assert.ok(secret.length >= 20, `a token: ${secret}`);
      await page.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Copied.').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
      const withToken = createHttpClient(base, secret);
      assert.equal((await withToken.call('auth.whoami', {})).user?.username, 'alice');
      await page
        .getByRole('table', { name: 'API tokens' })
        .getByRole('rowheader', { name: 'laptop CLI' })
        .waitFor();
      findings.push(
        ...(await a11yBothThemes(
          page,
          'tokens page',
          () => themeButton(page).click(),
          async () => a.shot(`tokens-${await themeOf(page)}`),
        )),
      );
      await page.getByRole('button', { name: 'Done' }).click();
      assert.equal(await page.getByLabel('The new token').count(), 0, 'the secret is shown once');
      await page.reload();
      await page
        .getByRole('table', { name: 'API tokens' })
        .getByRole('rowheader', { name: 'laptop CLI' })
        .waitFor();
      assert.doesNotMatch(await page.locator('#main').innerText(), new RegExp(secret));
      await page.getByRole('button', { name: 'Revoke laptop CLI' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('No API tokens yet').waitFor();
      await assert.rejects(withToken.call('auth.whoami', {}), { code: 'unauthorized' });
    });

    await t.test(
      'an organization: alice creates it, adds bob, changes his role; its quota is read-only to her',
      async () => {
        const { page } = a;
        await page.goto(`${base}/#/orgs`);
        await page.getByText('You belong to no organization').waitFor();
        await page.getByLabel('Name').fill('lab');
        await page.getByRole('button', { name: 'Create organization' }).click();
        await page.waitForURL(/#\/orgs\/lab$/);
        await page.getByText('You are an admin.').waitFor();
        await page.getByLabel('Username').fill('bob');
        await page.getByRole('button', { name: 'Add member' }).click();
        await page.getByText('Member added.').waitFor();
        await page.getByLabel('Role of bob').selectOption('viewer');
        await page.getByText('bob is now viewer.').waitFor();
        await page.getByLabel('Username').fill('root');
        await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('admin');
        await page.getByRole('button', { name: 'Add member' }).click();
        await page
          .getByRole('table', { name: 'Members of lab' })
          .getByRole('rowheader', { name: 'root' })
          .waitFor();
        await page.getByText('Only a superuser changes a quota').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Save quota' }).count(), 0);
        // The menu lists the new organization (the session was read again).
        await page.getByRole('button', { name: /alice: account menu/ }).click();
        await page.locator('#user-menu-body').getByRole('link', { name: 'lab' }).waitFor();
        await a.shot('user-menu-with-organization');
        await page.keyboard.press('Escape');
        const members = await page
          .getByRole('table', { name: 'Members of lab' })
          .locator('tbody tr')
          .evaluateAll((trs) => trs.map((tr) => (tr.querySelector('th')?.textContent ?? '').trim()));
        assert.deepEqual(members.sort(), ['alice (you)', 'bob', 'root']);
      },
    );

    await t.test(
      'a superuser (an admin of lab) changes its quota live; the Clusters pages show it',
      async () => {
        const r: WatchedPage = await watchedPage(browser!, 'auth-root');
        const { page } = r;
        await page.goto(`${base}/#/orgs/lab`);
        await signInOnPage(page, 'root', PASSWORDS.root);
        await page.getByRole('heading', { name: 'lab', level: 1 }).waitFor();
        await page.getByLabel('Experiments at once').fill('2');
        await page.getByLabel('GPUs').fill('1');
        await page.getByLabel('Memory (GiB)').fill('8');
        await page.getByRole('button', { name: 'Save quota' }).click();
        await page.getByText('Quota saved; it applies now.').waitFor();
        const quota = page.getByRole('table', { name: 'Quota of lab' });
        assert.match(await quota.innerText(), /Experiments at once\s+2/);
        findings.push(
          ...(await a11yBothThemes(
            page,
            'organization page',
            () => themeButton(page).click(),
            async () => r.shot(`org-${await themeOf(page)}`),
          )),
        );
        await page.getByLabel('GPUs').fill('1.5');
        await page.getByRole('button', { name: 'Save quota' }).click();
        await page.getByText('GPUs: “1.5” is not a limit; expected a whole number').waitFor();
        const api = await signedIn('root');
        assert.deepEqual((await api.call('orgs.get', { name: 'lab' })).quota, {
          experiments: 2,
          gpus: 1,
          cpu: null,
          memoryBytes: 8 * 1024 ** 3,
        });
        assert.deepEqual(r.errors, [], 'no console errors on the superuser’s page');
        await r.page.close();

        // bob, a viewer of lab, sees its quota on the Clusters page.
        await b.page.goto(`${base}/#/clusters`);
        const bobs = b.page.getByRole('table', { name: 'Quota of lab' });
        await bobs.waitFor();
        assert.match(
          await bobs.innerText(),
          /Experiments at once\s+2\s+0[\s\S]*GPUs\s+1\s+0[\s\S]*Memory\s+8\.00 GiB\s+0/,
        );
        await b.page.getByText('In use now: what the organization’s active experiments declare').waitFor();
        await b.shot('clusters-quota');
      },
    );

    await t.test(
      'a session ended elsewhere brings the login page back, then the page asked for',
      async () => {
        const { page } = b;
        const token = await pageToken(page);
        await createHttpClient(base, token!).call('auth.logout', {});
        await page.getByRole('link', { name: 'Projects' }).click();
        await page.getByText('Your session has ended.').waitFor();
        await signInOnPage(page, 'bob', PASSWORDS.bob);
        await page
          .getByRole('table', { name: 'Projects' })
          .getByRole('link', { name: 'bob/bob-proj' })
          .waitFor();
      },
    );

    await t.test('signing out ends the session and shows the login page', async () => {
      const { page } = a;
      const token = await pageToken(page);
      await page.goto(`${base}/#/`);
      await page.getByRole('button', { name: /alice: account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();
      assert.equal(await pageToken(page), null);
      await assert.rejects(createHttpClient(base, token!).call('projects.list', {}), {
        code: 'unauthorized',
      });
    });

    assert.deepEqual(findings, [], findings.join('\n'));
    // The browser reports each refused call (the wrong password's 401, too many tries' 429, the hidden
    // project's 404) as a failed load; those are the answers this test asks for. Anything else is a failure.
    const unexpected = (errors: string[]) =>
      errors.filter(
        (e) => !/Failed to load resource: the server responded with a status of (401|404|429)/.test(e),
      );
    assert.deepEqual(unexpected(a.errors), [], 'no console errors on alice’s page');
    assert.deepEqual(unexpected(b.errors), [], 'no console errors on bob’s page');
  },
);

test(
  'without --auth nothing changes: no login page, no user menu; no token says where to find it',
  { skip: skipOrFail(noChromium), timeout: 90_000 },
  async () => {
    const localHome = tmpDir('axon-e2e-noauth-');
    const local = await startServe(localHome);
    const w = await watchedPage(browser!, 'auth-local');
    try {
      const token = (JSON.parse(fs.readFileSync(`${localHome}/engine.json`, 'utf8')) as { token: string })
        .token;
      await w.page.goto(`${local.url}/`);
      await w.page.getByText('Not connected to an Axon engine').waitFor();
      assert.equal(await w.page.getByRole('heading', { name: 'Sign in' }).count(), 0);
      await w.page.goto(`${local.url}/?token=${token}#/`);
      await w.page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      assert.equal(await w.page.getByRole('button', { name: /account menu/ }).count(), 0);
      assert.deepEqual(
        w.errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e)),
        [],
      );
    } finally {
      await w.page.close();
      await local.stop();
      fs.rmSync(localHome, { recursive: true, force: true });
    }
  },
);
