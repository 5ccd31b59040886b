// IT Administration → Source Mapping with the Salesforce stand-in that scripts/e2e-server.sh
// starts on STEWARD_E2E_SF_PORT (3190): edit the mapping (and the CSM field) twice in a row,
// Run now, read the run log, see where a value came from on the account page, then change a
// CSM by hand and see the next run leave it alone although Salesforce says otherwise.
import { test, expect, open, uniqueEmail, createAdministrator, invite, join, settle } from "./support";

const STANDIN = `http://127.0.0.1:${process.env.STEWARD_E2E_SF_PORT ?? "3190"}`;

test("Source Mapping: edit twice, Run now, run log, provenance, a CSM changed by hand stays", async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name === "no-javascript", "Run now's log and the pickers are checked hydrated");
  await createAdministrator(page, uniqueEmail("admin"));

  // Two CSMs whose emails the stand-in's Users have (csm1@…, csm2@…).
  for (const [email, name] of [
    ["csm1@standin.example", "Casey One"],
    ["csm2@standin.example", "Casey Two"],
  ]) {
    const link = await invite(page, email, "CSM");
    const context = await browser.newContext();
    await join(await context.newPage(), link, name);
    await context.close();
  }

  // Connect Salesforce (the stand-in) with the organisation's Connected App.
  await open(page, "/settings/it/credentials");
  const app = page.locator("#credentials-salesforce_connected_app");
  await app.getByLabel("Consumer key").fill("standin-consumer-key");
  await app.getByLabel("Consumer secret").fill("standin-consumer-secret");
  await app.getByRole("button", { name: "Save" }).click();
  await expect(app.locator("[data-testid=credential-set]")).toBeVisible();
  await open(page, "/settings/it/oauth");
  await page.getByLabel("Provider").selectOption({ label: "Salesforce with a My Domain URL" });
  await page.getByLabel("My Domain URL").fill(STANDIN);
  await page.getByRole("button", { name: "Authorize provider" }).click();
  await page.getByLabel("Username").fill("admin@standin.example");
  await page.getByLabel("Password").fill("standin-password");
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.getByText("Salesforce is connected.")).toBeVisible();

  // The page: defaults for a new connection, the table filtered by source in the URL.
  await open(page, "/settings/it/source-mapping");
  await expect(page.getByRole("heading", { name: "Source Mapping" })).toBeVisible();
  const editor = page.locator("[data-testid=salesforce-mapping]");
  await expect(editor).toContainText("defaults for a new connection");
  await expect(editor.getByLabel("Billing country", { exact: true })).toHaveValue("BillingCountry");
  await expect(editor).toContainText("Salesforce should be the source of truth for CSM assignment");
  const table = page.locator("[data-testid=mapping-table]");
  await table.getByRole("link", { name: "Account API" }).click();
  await expect(page).toHaveURL(/\?source=account_api$/);
  await expect(table.locator("tbody tr").first()).toContainText("Account API");
  await expect(table.locator("tbody")).not.toContainText("Salesforce");
  await table.getByRole("link", { name: "Salesforce" }).click();
  await expect(page).toHaveURL(/\?source=salesforce$/);
  await expect(table.locator("tbody")).toContainText("AnnualRevenue");
  await expect(table.locator("tbody")).not.toContainText("CSV upload");

  // First edit: Employees from NumberOfEmployees, Industry owned by Steward, CSM from an
  // Email field. Second edit right after: the CSM from a Lookup to User, the sales rep's
  // email through the Owner lookup.
  await editor.getByLabel("Employees", { exact: true }).selectOption("NumberOfEmployees");
  await editor.getByLabel("Ownership of Industry").selectOption("steward_wins");
  await editor.getByLabel("Salesforce Account field holding the CSM").selectOption("CSM__c");
  await editor.getByRole("button", { name: "Save mapping" }).click();
  await expect(editor.getByText("Mapping saved.")).toBeVisible();
  await expect(editor.getByLabel("Employees", { exact: true })).toHaveValue("NumberOfEmployees");

  await editor.getByLabel("Sales rep email", { exact: true }).selectOption("Owner.Email");
  await editor.getByLabel("Salesforce Account field holding the CSM").selectOption("CSM_User__c");
  await editor.getByRole("button", { name: "Save mapping" }).click();
  await expect(editor.getByText("Mapping saved.")).toBeVisible();
  await open(page, "/settings/it/source-mapping?source=salesforce");
  await expect(editor).not.toContainText("defaults for a new connection");
  await expect(editor.getByLabel("Sales rep email", { exact: true })).toHaveValue("Owner.Email");
  await expect(editor.getByLabel("Employees", { exact: true })).toHaveValue("NumberOfEmployees");
  await expect(editor.getByLabel("Ownership of Industry")).toHaveValue("steward_wins");
  await expect(editor.getByLabel("Salesforce Account field holding the CSM")).toHaveValue("CSM_User__c");

  // Run now, then the run log.
  const runNow = async () => {
    await open(page, "/settings/it/source-overview");
    const runs = page.locator("[data-testid=salesforce-runs]");
    const before = await runs.locator("[data-testid=salesforce-runs-table] tbody tr").count();
    await runs.getByRole("button", { name: "Run now" }).click();
    await expect(async () => {
      await runs.getByRole("button", { name: "Refresh" }).click();
      await expect(runs.locator("[data-testid=salesforce-runs-table] tbody tr").first()).toContainText("succeeded", { timeout: 1000 });
      expect(await runs.locator("[data-testid=salesforce-runs-table] tbody tr").count()).toBeGreaterThan(before);
    }).toPass({ timeout: 30_000 });
    return runs;
  };
  const first = await runNow();
  await expect(first).toContainText("Account: 5 read, 5 written, 0 skipped");
  await expect(first.locator("tbody tr").first()).toContainText("Run now");

  // The first account: its values say where they came from, and its CSM came from Salesforce.
  await open(page, "/accounts?q=Stand-in%20Account%201");
  await page.getByRole("link", { name: "Stand-in Account 1", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Stand-in Account 1" })).toBeVisible();
  const accountUrl = page.url().split("?")[0];
  await expect(page.getByText("Casey One")).toBeVisible();
  await expect(page.locator(".badge", { hasText: "Salesforce" }).first()).toBeVisible();
  await open(page, `${new URL(accountUrl).pathname}?tab=details`);
  const details = page.locator("dl.account-fields");
  await expect(details).toContainText(/Salesforce, 20\d\d-\d\d-\d\d \d\d:\d\d UTC/);
  await expect(details).toContainText("admin@standin.example");
  const sfId = (await details.locator("dt:has-text('CRM account id') + dd").innerText()).split(" ")[0].trim();
  expect(sfId).toMatch(/^0015g/);

  // By hand: unassign Salesforce's CSM and assign the other one.
  await open(page, new URL(accountUrl).pathname);
  await page.getByRole("button", { name: "Unassign Casey One" }).click();
  await expect(page.getByRole("button", { name: "Unassign Casey One" })).toHaveCount(0);
  await page.getByLabel("Assign a CSM").selectOption({ label: "Casey Two (csm2@standin.example)" });
  await page.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByRole("button", { name: "Unassign Casey Two" })).toBeVisible();

  // Salesforce now names Casey One again (a change the next run reads): the hand-made
  // assignment stays, and the run log says why.
  const changed = await page.request.post(`${STANDIN}/__standin/records/Account`, {
    data: [{ Id: sfId, CSM_User__c: "0055g00000CSM01", Name: "Stand-in Account 1" }],
  });
  expect(changed.ok()).toBeTruthy();
  const second = await runNow();
  await second.locator("summary", { hasText: "Run log" }).first().click();
  await expect(second).toContainText("changed by hand in Steward, which wins");
  await open(page, new URL(accountUrl).pathname);
  await expect(page.getByRole("button", { name: "Unassign Casey Two" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Unassign Casey One" })).toHaveCount(0);
  await settle(page);
});
