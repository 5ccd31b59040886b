// BCC email (issue 15): the organisation's address on Source Overview (copy, Regenerate
// twice), an email sent to it with Python's smtplib (a client Steward did not write)
// showing on the account page, and unmatched email assigned from IT Administration →
// Unmatched email (twice in a row). scripts/e2e-server.sh runs the SMTP listener on
// STEWARD_E2E_INBOUND_PORT (3126) with require_authenticated_sender off: the DKIM/SPF gate
// is covered by the integration tests against a DNS server on loopback.
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, expect, open, settle, uniqueEmail, createAdministrator, createApiKeys, ROOT } from "./support";

const SMTP_PORT = process.env.STEWARD_E2E_INBOUND_PORT ?? "3126";

/** Sends `subject` from `from` to the BCC address with smtplib; To names `to`. */
function sendMail(bcc: string, from: string, to: string, subject: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-bcc-"));
  const file = path.join(dir, "message.eml");
  const id = `${Date.now()}.${Math.random().toString(16).slice(2)}@example.com`;
  writeFileSync(
    file,
    `From: Ada Admin <${from}>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\nDate: ${new Date().toUTCString().replace("GMT", "+0000")}\r\n\r\nHello from the browser test.\r\n`,
  );
  const out = execFileSync(
    "python3",
    [path.join(ROOT, "server/tests/tools/smtp_client.py"), "send", "127.0.0.1", SMTP_PORT, from, bcc, file],
    { encoding: "utf8" },
  );
  expect(JSON.parse(out).ok).toBe(true);
}

test("BCC address, an email on the account page, and assigning unmatched email", async ({ page }) => {
  test.skip(test.info().project.name !== "hydrated", "the copy button and dialogs need JavaScript");
  const admin = uniqueEmail("bcc-admin");
  await createAdministrator(page, admin);
  const { account } = await createApiKeys(page);
  const prefix = `bcc${Date.now()}`;
  const key = encodeURIComponent(account);
  for (const [url, records] of [
    ["/api/v2/accounts", [1, 2].map((n) => ({ account_id: `${prefix}-${n}`, name: `${prefix} Account ${n}`, join_date: Date.now() }))],
    ["/api/v2/account_contacts", [{ user_id: "c1", account_id: `${prefix}-1`, email: `buyer-${prefix}@customer.test` }]],
  ] as const) {
    const response = await page.request.post(`${url}?api_key=${key}`, { data: { records } });
    expect(response.ok()).toBe(true);
  }

  await open(page, "/settings/it/source-overview");
  const card = page.locator("section", { has: page.getByRole("heading", { name: "BCC email" }) });
  let address = (await card.getByTestId("bcc-address").textContent()) ?? "";
  expect(address).toMatch(/^[0-9a-f]{32}@/);
  await expect(card.getByRole("button", { name: "Copy the BCC address" })).toBeVisible();

  // Regenerate, twice in a row: each time a new address, the dialog closed.
  for (let i = 0; i < 2; i++) {
    await card.getByRole("button", { name: "Regenerate" }).click();
    const dialog = page.getByRole("dialog", { name: "Regenerate the BCC address" });
    await expect(dialog.getByText("mail sent to it is refused from now on")).toBeVisible();
    await dialog.getByRole("button", { name: "Regenerate address" }).click();
    await expect(dialog).toBeHidden();
    await expect(card.getByTestId("bcc-address")).not.toHaveText(address);
    address = (await card.getByTestId("bcc-address").textContent()) ?? "";
    expect(address).toMatch(/^[0-9a-f]{32}@/);
  }

  // A matched email lands on the account page.
  sendMail(address, admin, `Buyer <buyer-${prefix}@customer.test>`, `Renewal ${prefix}`);
  await open(page, "/accounts");
  await page.getByRole("link", { name: `${prefix} Account 1` }).click();
  await settle(page);
  await page.getByRole("link", { name: /^Interactions/ }).click();
  await settle(page);
  await expect(page.getByRole("row").filter({ hasText: `Renewal ${prefix}` })).toContainText("email");

  // Two unmatched emails, each assigned in turn (the dialog twice in a row).
  sendMail(address, admin, `new-one-${prefix}@prospect.test`, `Intro one ${prefix}`);
  sendMail(address, admin, `new-two-${prefix}@prospect.test`, `Intro two ${prefix}`);
  await open(page, "/settings/it/unmatched-email");
  await expect(page.getByRole("heading", { name: "Unmatched email", level: 1 })).toBeVisible();
  for (const which of ["one", "two"]) {
    const row = page.getByRole("row").filter({ hasText: `Intro ${which} ${prefix}` });
    await row.getByRole("button", { name: "Assign" }).click();
    const dialog = page.getByRole("dialog", { name: "Assign to an account" });
    await dialog.getByLabel("Account id").fill(`${prefix}-2`);
    await dialog.getByLabel("Add a recipient as a contact of the account").selectOption(`new-${which}-${prefix}@prospect.test`);
    await dialog.getByRole("button", { name: "Assign" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("row").filter({ hasText: `Intro ${which} ${prefix}` })).toHaveCount(0);
  }

  await open(page, "/accounts");
  await page.getByRole("link", { name: `${prefix} Account 2` }).click();
  await settle(page);
  await page.getByRole("link", { name: /^Interactions/ }).click();
  await settle(page);
  await expect(page.getByRole("row").filter({ hasText: `Intro one ${prefix}` })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: `Intro two ${prefix}` })).toBeVisible();
  await page.getByRole("link", { name: /Contacts & users/ }).click();
  await settle(page);
  await expect(page.getByRole("row").filter({ hasText: `new-one-${prefix}@prospect.test` })).toBeVisible();

  // Source Overview's sources table counts the day's messages.
  await open(page, "/settings/it/source-overview");
  await expect(page.getByTestId("sources-table").getByRole("row").filter({ hasText: "BCC email" })).toContainText(
    "3 received, 1 matched, 2 unmatched, 0 refused",
  );
});
