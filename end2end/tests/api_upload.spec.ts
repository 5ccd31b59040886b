// IT Administration → API Upload, as a new administrator with a real spreadsheet export
// (BOM, semicolons, Windows-1252 names, a formula-looking cell, bad rows): template, file,
// preview, a column mapped by hand, dry run, apply, per-row results, the error CSV, undo
// (twice, on two uploads: state left over from the first undo is where faults hide), the
// history and the API Status entry. Every step is screenshotted under test-results.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect, open, uniqueEmail, createAdministrator } from "./support";

const SHOTS = path.join(__dirname, "..", "test-results", "api-upload");

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// Windows-1252 bytes for the accented names, after a UTF-8 byte order mark, as Excel
// writes "CSV" in some locales.
function spreadsheetExport(prefix: string): Buffer {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const text = (s: string) => Buffer.from(s, "latin1");
  return Buffer.concat([
    bom,
    text("Client;Name;Join date;Industry\r\n"),
    text(`${prefix}-1;Caf\u00e9 Lumi\u00e8re;2024-01-31;Hospitality\r\n`),
    text(`${prefix}-2;Zo\u00eb & Co;1706745600000;Retail\r\n`),
    text(`${prefix}-3;;2024-02-02;=SUM(A1:A9)\r\n`),
    text(`${prefix}-4;Bad Date Inc;31/31/2024;Retail\r\n`),
  ]);
}

async function chooseFile(page: Page, buffer: Buffer) {
  await page.getByTestId("upload-file").setInputFiles({ name: "crm-export.csv", mimeType: "text/csv", buffer });
  await expect(page.getByTestId("upload-preview")).toBeVisible();
}

async function uploadId(page: Page): Promise<string> {
  await expect(page).toHaveURL(/upload=\d+/);
  return new URL(page.url()).searchParams.get("upload") ?? "";
}

async function waitUntilDone(page: Page) {
  const results = page.getByTestId("upload-results");
  await expect(results.locator(".badge", { hasText: "Running" })).toHaveCount(0, { timeout: 30_000 });
}

test.describe("API Upload", () => {
  test.beforeEach(async ({}, testInfo) => {
    test.skip(testInfo.project.name === "no-javascript", "files are sent by the page's script");
  });

  test("a spreadsheet export is previewed, mapped, checked, applied, undone and listed", async ({ page }) => {
    await createAdministrator(page, uniqueEmail("upload"));
    await open(page, "/settings");
    await page.getByRole("link", { name: /API Upload/ }).click();
    await expect(page).toHaveURL(/\/settings\/it\/api-upload$/);
    await expect(page.getByRole("heading", { name: "API Upload", level: 1 })).toBeVisible();
    await expect(page.getByText("No uploads yet")).toBeVisible();
    await shot(page, "01-empty");

    // The template: the header row the upload reads and the example row it skips.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-template").click()]);
    expect(download.suggestedFilename()).toBe("accounts-template.csv");
    const template = readFileSync(await download.path(), "utf8").split("\r\n");
    expect(template[0].split(",")).toEqual(expect.arrayContaining(["account_id", "name", "join_date"]));
    expect(template[1]).toContain("example-account-1");
    await page.getByTestId("upload-fields").locator("summary").click();
    await expect(page.getByTestId("upload-fields").getByRole("cell", { name: "join_date", exact: true })).toBeVisible();
    await shot(page, "02-template-and-fields");

    // The file: read as the upload reads it; "Client" matches no field.
    await chooseFile(page, spreadsheetExport("e2e-up"));
    await expect(page.getByTestId("upload-read-as")).toContainText("semicolon-separated");
    await expect(page.getByTestId("upload-read-as")).toContainText("Windows-1252");
    await expect(page.getByTestId("upload-preview")).toContainText("Café Lumière");
    await expect(page.getByTestId("upload-missing")).toContainText("'account_id'");
    await expect(page.getByTestId("upload-apply")).toHaveCount(0);
    await shot(page, "03-preview-unmapped");

    // Mapped by hand: remembered, and the file is ready.
    await page.getByLabel("Field for column Client").selectOption("account_id");
    await expect(page.getByTestId("upload-missing")).toHaveCount(0);
    await expect(page.getByTestId("upload-preview").locator(".badge", { hasText: "your choice" })).toHaveCount(1);
    await expect(page.getByTestId("upload-preview")).toContainText("name");
    await shot(page, "04-preview-mapped");

    // Dry run: nothing written, the failures listed by line and column.
    await page.getByTestId("upload-dry-run").click();
    const dryRun = await uploadId(page);
    await waitUntilDone(page);
    const results = page.getByTestId("upload-results");
    await expect(results.locator(".badge", { hasText: "Dry run" })).toBeVisible();
    await expect(page.getByTestId("upload-applied")).toHaveText("2");
    await expect(page.getByTestId("upload-failed")).toHaveText("2");
    await expect(page.getByTestId("upload-failures")).toContainText("Join date");
    await expect(page.getByTestId("upload-undo")).toHaveCount(0);
    await shot(page, "05-dry-run");

    // Apply the same file (still chosen): two rows written, two failed.
    await page.getByTestId("upload-apply").click();
    await expect(page).not.toHaveURL(new RegExp(`upload=${dryRun}$`));
    const applied = await uploadId(page);
    await waitUntilDone(page);
    await expect(results.locator(".badge", { hasText: "Applied" })).toBeVisible();
    await expect(page.getByTestId("upload-applied")).toHaveText("2");
    await expect(page.getByTestId("upload-failures").locator("tbody tr")).toHaveCount(2);
    await expect(page.getByTestId("upload-failures")).toContainText("4");
    // The history has both uploads without a reload.
    await expect(page.getByTestId("upload-history").locator("tbody tr")).toHaveCount(2);
    await expect(page.getByTestId("upload-history").locator("tbody tr", { hasText: "Applied" })).toHaveCount(1);
    await shot(page, "06-applied");

    // The error CSV: the failed rows as sent, formulas neutralised, with their errors.
    const [errors] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-errors").click()]);
    expect(errors.suggestedFilename()).toBe(`upload-${applied}-errors.csv`);
    const errorRows = readFileSync(await errors.path(), "utf8").trim().split("\r\n");
    expect(errorRows[0]).toBe("Client,Name,Join date,Industry,line,error");
    expect(errorRows).toHaveLength(3);
    expect(errorRows[1]).toContain("e2e-up-3,,2024-02-02,'=SUM(A1:A9),4,");
    expect(errorRows[2]).toContain("e2e-up-4,Bad Date Inc,31/31/2024");

    // The accounts exist.
    await open(page, "/accounts");
    await expect(page.getByText("Café Lumière")).toBeVisible();
    await expect(page.getByText("Zoë & Co")).toBeVisible();

    // Undo: asks first, then says what it did; the history says Undone.
    await open(page, `/settings/it/api-upload?api=accounts&upload=${applied}`);
    await page.getByTestId("upload-undo").locator("summary").click();
    await shot(page, "07-undo-confirm");
    await page.getByTestId("upload-undo-confirm").click();
    await expect(page.getByTestId("undo-report")).toContainText("2 record(s) removed");
    await shot(page, "08-undone");
    const history = page.getByTestId("upload-history");
    await expect(history.locator("tr", { hasText: "Undone" })).toHaveCount(1);
    await expect(history.locator("tr", { hasText: "Dry run" })).toHaveCount(1);

    // A second upload and a second undo, on the same page without reloading.
    await page.getByRole("button", { name: "Show the upload" }).click();
    await chooseFile(page, spreadsheetExport("e2e-again"));
    // The mapping was remembered for this organisation and API.
    await expect(page.getByTestId("upload-preview").locator(".badge", { hasText: "your choice" })).toHaveCount(1);
    await expect(page.getByTestId("upload-missing")).toHaveCount(0);
    await page.getByTestId("upload-apply").click();
    await expect(page).not.toHaveURL(new RegExp(`upload=${applied}$`));
    await waitUntilDone(page);
    await expect(page.getByTestId("upload-applied")).toHaveText("2");
    await expect(page.getByTestId("undo-report")).toHaveCount(0);
    await page.getByTestId("upload-undo").locator("summary").click();
    await page.getByTestId("upload-undo-confirm").click();
    await expect(page.getByTestId("undo-report")).toContainText("2 record(s) removed");
    await expect(history.locator("tr", { hasText: "Undone" })).toHaveCount(2);
    await shot(page, "09-history");

    // Each upload is one call of API "Upload" in API Status.
    await open(page, "/settings/it/api-status");
    await expect(page.locator("tr.api-call", { hasText: "API Upload" })).toHaveCount(3);
    await expect(page.locator("tr.api-call", { hasText: "API Upload" }).first()).toContainText("Partial");

    // The page remembers what it shows: reloading an upload's address shows it again.
    await open(page, `/settings/it/api-upload?api=accounts&upload=${dryRun}`);
    await expect(page.getByTestId("upload-results").locator(".badge", { hasText: "Dry run" })).toBeVisible();
    await expect(page.getByTestId("upload-api")).toHaveValue("accounts");
  });

  test("a file that is not a CSV is refused before anything is sent", async ({ page }) => {
    await createAdministrator(page, uniqueEmail("upload-bad"));
    await open(page, "/settings/it/api-upload?api=account_contacts");
    await expect(page.getByTestId("upload-api")).toHaveValue("account_contacts");
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.alloc(64)]);
    await page.getByTestId("upload-file").setInputFiles({ name: "contacts.xlsx", mimeType: "application/octet-stream", buffer: xlsx });
    await expect(page.getByTestId("upload-refused")).toContainText("not a CSV file");
    await expect(page.getByTestId("upload-apply")).toHaveCount(0);
    await shot(page, "10-refused");
    // Choosing another API changes the address and the template.
    await page.getByTestId("upload-api").selectOption("events");
    await expect(page).toHaveURL(/api=events/);
    await expect(page.getByTestId("download-template")).toHaveAttribute("href", "/settings/it/api-upload/template/events");
  });
});

test("without JavaScript the page shows the API, its template and the history", async ({ page }) => {
  await createAdministrator(page, uniqueEmail("upload-nojs"));
  await open(page, "/settings/it/api-upload?api=metrics");
  await expect(page.getByRole("heading", { name: "API Upload", level: 1 })).toBeVisible();
  await expect(page.getByTestId("download-template")).toHaveAttribute("href", "/settings/it/api-upload/template/metrics");
  await expect(page.getByText("No uploads yet")).toBeVisible();
  const template = await page.request.get("/settings/it/api-upload/template/metrics");
  expect(template.status()).toBe(200);
  expect(await template.text()).toContain("account_id");
});
