/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core): the summary
 * renders, sorting and filtering work, the deciding condition is marked, text from AWS cannot run
 * script, and the file loads nothing from anywhere. A screenshot is left in test-results/audit/
 * for a person to look at. Under CI=true a missing chromium fails the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatAuditHtml } from "../../src/audit/format/html.js";
import { runAudit } from "../../src/audit/run-audit.js";
import type { AuditReport } from "../../src/audit/types.js";
import { ROOT } from "../support/built-cli.js";
import { DEV, GITHUB } from "./fixtures.js";
import { type Endpoint, iamAs, managementAccess, startPlantedOrganization } from "./org-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") {
  throw new Error(`${CHROMIUM} is required under CI (.ci/run installs Debian's chromium package)`);
}
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let ep: Endpoint;
let report: AuditReport;
let dir: string;
let context: BrowserContext;
let page: Page;
const external: string[] = [];

describe.skipIf(!haveChromium)("the HTML report in Chromium", () => {
  beforeAll(async () => {
    ep = await startPlantedOrganization();
    // A trust policy carrying markup: the report must show it as text.
    await iamAs(ep, DEV).send(
      new CreateRoleCommand({
        RoleName: "markup-in-policy",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: `arn:aws:iam::${DEV}:oidc-provider/${GITHUB}` },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringLike: { [`${GITHUB}:sub`]: `repo:acme/*${XSS}` } },
            },
          ],
        }),
      }),
    );
    report = await runAudit(managementAccess(ep), {
      organization: true,
      assumeRoleName: "OrganizationAccountAccessRole",
      now: Math.floor(Date.now() / 1000),
      version: "test",
    });
    dir = mkdtempSync(join(tmpdir(), "bb-oidc-html-"));
    const file = join(dir, "report.html");
    writeFileSync(file, formatAuditHtml(report));
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://")) return route.continue();
      external.push(url);
      return route.abort();
    });
    page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await ep?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const visibleRows = () =>
    page.$$eval("#findings-table tbody tr", (rows) =>
      rows
        .filter((r) => !(r as HTMLElement).hidden)
        .map((r) => ({
          severity: r.getAttribute("data-severity"),
          account: r.getAttribute("data-account"),
          role: (r as HTMLTableRowElement).cells[3]!.textContent,
          text: r.textContent ?? "",
        })),
    );

  test("the summary shows the counts by severity and the account not audited", async () => {
    for (const s of ["critical", "high", "medium", "low", "info"] as const) {
      const n = await page.textContent(`#severity-summary .card.${s} b`);
      expect(Number(n)).toBe(report.summary.findings[s]);
    }
    expect(report.summary.findings.critical).toBeGreaterThan(0);
    expect(await page.textContent("#not-audited")).toContain("999999999990");
    const accountRows = await page.$$eval("#accounts-table tbody tr", (r) => r.length);
    expect(accountRows).toBe(5);
    expect(await page.textContent("#count")).toBe(
      `Showing ${report.findings.length} of ${report.findings.length} findings`,
    );
  });

  test("sorting by a column, both ways; by severity in rank order", async () => {
    await page.click("#findings-table th[data-key=role]");
    const up = (await visibleRows()).map((r) => r.role!.toLowerCase());
    expect(up).toEqual([...up].sort());
    await page.click("#findings-table th[data-key=role]");
    const down = (await visibleRows()).map((r) => r.role!.toLowerCase());
    expect(down).toEqual([...up].reverse());
    expect(await page.getAttribute("#findings-table th[data-key=role]", "aria-sort")).toBe(
      "descending",
    );
    await page.click("#findings-table th[data-key=severity]");
    const ranks = ["critical", "high", "medium", "low", "info"];
    const order = (await visibleRows()).map((r) => ranks.indexOf(r.severity!));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test("filtering by text, severity and account", async () => {
    await page.fill("#filter", "gitlab");
    const gitlab = await visibleRows();
    expect(gitlab.length).toBeGreaterThan(0);
    expect(gitlab.every((r) => r.text.toLowerCase().includes("gitlab"))).toBe(true);
    expect(await page.textContent("#count")).toBe(
      `Showing ${gitlab.length} of ${report.findings.length} findings`,
    );
    await page.fill("#filter", "");
    await page.selectOption("#severity-filter", "critical");
    const critical = await visibleRows();
    expect(critical.length).toBe(report.summary.findings.critical);
    expect(critical.every((r) => r.severity === "critical")).toBe(true);
    await page.selectOption("#account-filter", DEV);
    const both = await visibleRows();
    expect(both.every((r) => r.account === DEV && r.severity === "critical")).toBe(true);
    expect(both.length).toBe(
      report.findings.filter((f) => f.account === DEV && f.severity === "critical").length,
    );
    await page.selectOption("#severity-filter", "");
    await page.selectOption("#account-filter", "");
  });

  test("every OIDC role with who can assume it, safe ones too; sortable and filterable", async () => {
    const rows = () =>
      page.$$eval("#roles-table tbody tr", (trs) =>
        trs
          .filter((r) => !(r as HTMLElement).hidden)
          .map((r) => Array.from((r as HTMLTableRowElement).cells, (c) => c.textContent ?? "")),
      );
    const all = await rows();
    expect(all).toHaveLength(report.roles.length);
    const safe = all.find((c) => c[2] === "gha-web-prod")!;
    expect(safe[0]).toBe("none"); // no finding
    expect(safe[4]).toBe("named repositories only");
    expect(safe[5]).toContain("repo:acme/web:environment:production");
    const open = all.find((c) => c[2] === "gha-no-sub")!;
    expect(open[4]).toBe("anyone on the platform");
    expect(open[5]).toBe("any repository on GitHub Actions");
    await page.click("#roles-table th[data-key=severity]");
    const ranks = ["critical", "high", "medium", "low", "info", "none"];
    const order = (await rows()).map((c) => ranks.indexOf(c[0]!));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    await page.fill("#role-filter", "gitlab");
    const gitlab = await rows();
    expect(gitlab.map((c) => c[2]).sort()).toEqual(["gitlab-group", "gitlab-one-project"]);
    expect(await page.textContent("#role-count")).toBe(`Showing 2 of ${report.roles.length} roles`);
    await page.fill("#role-filter", "");
    const providers = await page.$$eval("#providers-table tbody tr", (trs) =>
      trs.map((r) => (r as HTMLTableRowElement).cells[1]!.textContent),
    );
    expect(providers).toContain(GITHUB);
    expect(providers).toHaveLength(report.accounts.reduce((n, a) => n + a.providers.length, 0));
  });

  test("per role, the trust policy with the deciding condition marked", async () => {
    const dead = report.roles.find((r) => r.name === "dead-audience")!;
    await page.click(
      `a[href="#${await page.$eval(`details:has-text("${dead.arn}")`, (d) => d.id)}"]`,
    );
    const marked = await page.$$eval(`details:has-text("${dead.arn}") mark.decides`, (m) =>
      m.map((x) => x.textContent),
    );
    expect(marked).toHaveLength(1);
    expect(marked[0]).toContain(":aud");
    expect(marked[0]).toContain("someone-else");
    const open = await page.$eval(
      `details:has-text("${dead.arn}")`,
      (d) => (d as HTMLDetailsElement).open,
    );
    expect(open).toBe(true); // the finding's link opened the role's section
    // A shared lint rule's finding marks the condition it is about.
    const setOp = await page.$$eval('details:has-text("set-operator-sub") mark.decides', (m) =>
      m.map((x) => x.textContent),
    );
    expect(setOp).toHaveLength(1);
    expect(setOp[0]).toContain(":sub");
  });

  test("text from AWS is shown, never run; nothing is loaded from outside", async () => {
    expect(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).toBeUndefined();
    expect(await page.content()).not.toContain("<script>window.__xss");
    const policy = await page.$eval(
      'details:has-text("markup-in-policy") pre.policy',
      (p) => p.textContent,
    );
    expect(policy).toContain(XSS.replace(/"/g, '\\"'));
    expect(external).toEqual([]);
  });

  test("a screenshot for a person to look at", async () => {
    await page.click(`details:has-text("seed-admin") > summary`);
    const out = join(ROOT, "test-results", "audit");
    mkdirSync(out, { recursive: true });
    const file = join(out, "report.png");
    await page.screenshot({ path: file, fullPage: true });
    expect(existsSync(file)).toBe(true);
  });
});
