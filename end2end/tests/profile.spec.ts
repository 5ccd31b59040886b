import { readFileSync } from "node:fs";
import {
  test, expect, open, settle, uniqueEmail, createAdministrator, signIn, signOut, enableTwoFactor,
  hydratedPage, waitForMail, mailFor, watch, BASE_URL, PASSWORD,
} from "./support";
import type { Browser, Page } from "@playwright/test";

const SECOND_PASSWORD = "copper heron invents tidal music";
const THIRD_PASSWORD = "velvet harbor juggles seven kites";

/** Another browser (its own cookies) signed in as `email`, with JavaScript as the project has it. */
async function elsewhere(browser: Browser, errors: string[], email: string, password = PASSWORD): Promise<Page> {
  let other: Page;
  if (test.info().project.use.javaScriptEnabled === false) {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: BASE_URL });
    other = await context.newPage();
    watch(other, errors);
  } else {
    other = await hydratedPage(browser, errors);
  }
  await signIn(other, email, password);
  await expect(other).toHaveURL(/\/settings$/);
  await settle(other);
  return other;
}

/** Whether `other` is still signed in: a signed-in page or the sign-in form. */
async function stillSignedIn(other: Page): Promise<boolean> {
  await open(other, "/settings/profile");
  return !/\/sign-in/.test(other.url());
}

test("My Profile: edit your details twice, change your password twice", async ({ page, browser, errors }, testInfo) => {
  const email = uniqueEmail(`profile-${testInfo.project.name}`);
  const js = testInfo.project.name === "hydrated";
  await createAdministrator(page, email);

  await test.step("a wrong phone is refused with a sentence and nothing is stored", async () => {
    await open(page, "/settings/profile");
    await expect(page.getByRole("link", { name: "Details" })).toHaveAttribute("aria-current", "page");
    await page.getByLabel("Phone").fill("call me");
    await page.getByRole("button", { name: "Save details" }).click();
    await expect(page.getByText(/"call me" is not a phone number/)).toBeVisible();
    await open(page, "/settings/profile?tab=details");
    await expect(page.getByLabel("Phone")).toHaveValue("");
  });

  for (const [name, title, phone] of [
    ["Ada Lovelace", "Head of Customer Success", "+44 20 7946 0000"],
    ["Ada King", "VP Customer Success", ""],
  ]) {
    await test.step(`save ${name}`, async () => {
      await page.getByLabel("Name").fill(name);
      await page.getByLabel("Title").fill(title);
      await page.getByLabel("Phone").fill(phone);
      await page.getByRole("button", { name: "Save details" }).click();
      if (js) await expect(page.getByText("Your details were saved.")).toBeVisible();
      await expect(page.locator(".topnav-user-name")).toHaveText(name);
      await open(page, "/settings/profile");
      await expect(page.getByLabel("Name")).toHaveValue(name);
      await expect(page.getByLabel("Title")).toHaveValue(title);
      await expect(page.getByLabel("Phone")).toHaveValue(phone);
    });
  }

  let current = PASSWORD;
  for (const next of [SECOND_PASSWORD, THIRD_PASSWORD]) {
    await test.step(`change the password to "${next}"; other devices are signed out`, async () => {
      const other = await elsewhere(browser, errors, email, current);
      const mailsBefore = mailFor(email).length;
      await open(page, "/settings/profile?tab=password");
      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password").fill(next);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText("That is not your current password.")).toBeVisible();
      await settle(page);
      await page.getByLabel("Current password").fill(current);
      await page.getByLabel("New password").fill("password1");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText(/too easy to guess/)).toBeVisible();
      await settle(page);
      await page.getByLabel("Current password").fill(current);
      await page.getByLabel("New password").fill(next);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText("Your password was changed.", { exact: false })).toBeVisible();
      await expect(page).toHaveURL(/tab=password&changed=1$/);
      // No password stays in a field, with JavaScript (the form is reset) or without.
      await expect(page.getByLabel("Current password")).toHaveValue("");
      await expect(page.getByLabel("New password")).toHaveValue("");
      await settle(page);
      expect(await stillSignedIn(page)).toBe(true);
      expect(await stillSignedIn(other)).toBe(false);
      await other.context().close();
      const notice = await waitForMail(email, mailsBefore + 1);
      expect(notice.subject).toMatch(/^Your password for /);
      expect(notice.text).toContain("changed from My Profile");
      current = next;
    });
  }

  await test.step("the new password signs in", async () => {
    await signOut(page);
    await signIn(page, email, current);
    await expect(page).toHaveURL(/\/settings$/);
    await settle(page);
  });
});

test("My Profile: sessions, signed out one at a time and everywhere else (twice)", async ({ page, browser, errors }, testInfo) => {
  const email = uniqueEmail(`sessions-${testInfo.project.name}`);
  const js = testInfo.project.name === "hydrated";
  await createAdministrator(page, email);
  const first = await elsewhere(browser, errors, email);

  await test.step("both sessions are listed, this one marked", async () => {
    await open(page, "/settings/profile?tab=sessions");
    const rows = page.locator("table tbody tr");
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: "This session" })).toHaveCount(1);
    await expect(rows.filter({ hasText: "This session" })).toContainText("on Linux");
    await expect(rows.filter({ hasText: "127.0.0.1" })).toHaveCount(2);
  });

  await test.step("sign out the other one", async () => {
    await page.locator("table tbody tr").filter({ hasNotText: "This session" }).getByRole("button", { name: /^Sign out / }).click();
    if (js) await expect(page.getByText("That session was signed out.")).toBeVisible();
    await expect(page.locator("table tbody tr")).toHaveCount(1);
    await settle(page);
    expect(await stillSignedIn(first)).toBe(false);
    await first.context().close();
  });

  for (const round of [1, 2]) {
    await test.step(`sign out everywhere else, round ${round}`, async () => {
      const others = [await elsewhere(browser, errors, email), await elsewhere(browser, errors, email)];
      await open(page, "/settings/profile?tab=sessions");
      await expect(page.locator("table tbody tr")).toHaveCount(3);
      await page.getByRole("button", { name: "Sign out everywhere else" }).click();
      if (js) await expect(page.getByText("2 other sessions were signed out.")).toBeVisible();
      await expect(page.locator("table tbody tr")).toHaveCount(1);
      await settle(page);
      for (const other of others) {
        expect(await stillSignedIn(other)).toBe(false);
        await other.context().close();
      }
    });
  }
  expect(await stillSignedIn(page)).toBe(true);
});

test("My Profile: recovery codes are copied, downloaded and replaced with the password (twice)", async ({ page, context, errors }, testInfo) => {
  test.skip(testInfo.project.name !== "hydrated", "two-factor set-up needs JavaScript");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const email = uniqueEmail("codes");
  await createAdministrator(page, email);
  let { codes } = await enableTwoFactor(page);

  for (const round of [1, 2]) {
    await test.step(`new recovery codes, round ${round}`, async () => {
      await page.getByRole("button", { name: "New recovery codes" }).click();
      const dialog = page.getByRole("dialog", { name: "New recovery codes" });
      await expect(dialog.getByRole("alert")).toHaveCount(0);
      await dialog.getByLabel("Current password").fill("not my password");
      await dialog.getByRole("button", { name: "Make new codes" }).click();
      await expect(dialog.getByText("That is not your current password.")).toBeVisible();
      await dialog.getByLabel("Current password").fill(PASSWORD);
      await dialog.getByRole("button", { name: "Make new codes" }).click();
      await expect(dialog).toBeHidden();

      const list = page.getByTestId("recovery-codes");
      await expect(list.locator("li")).toHaveCount(10);
      const fresh = (await list.locator("li").allInnerTexts()).map((c) => c.trim());
      expect(fresh.filter((c) => codes.includes(c))).toEqual([]);

      await page.getByRole("button", { name: "Copy to clipboard" }).click();
      await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied.trim().split("\n")).toEqual(fresh);

      const download = page.waitForEvent("download");
      await page.getByRole("link", { name: "Download (.txt)" }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe("steward-recovery-codes.txt");
      const text = readFileSync((await file.path())!, "utf8");
      for (const code of fresh) expect(text).toContain(code);

      await page.getByRole("button", { name: "I have saved these codes" }).click();
      await expect(list).toBeHidden();
      await expect(page.getByText("10 of 10 recovery codes left.")).toBeVisible();
      codes = fresh;
    });
  }
  expect(errors).toEqual([]);
});
