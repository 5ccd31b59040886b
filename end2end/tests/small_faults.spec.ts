// Small wording and rendering faults a new administrator met: the sign-in note after a
// password reset, field errors that outlive their correction, the wrong-code message of the
// second step, the search box after Back, and the gzip example on the API page.
import {
  test,
  expect,
  open,
  settle,
  uniqueEmail,
  createAdministrator,
  createApiKeys,
  enableTwoFactor,
  setupLink,
  signIn,
  signOut,
  totp,
  PASSWORD,
} from "./support";

test("the password-changed note gives way to a later sign-in error", async ({ page }) => {
  await open(page, "/sign-in?reset=1");
  const note = page.getByText("Your password was changed. Sign in with the new one.");
  await expect(note).toBeVisible();
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("That email and password do not match an active account.")).toBeVisible();
  await expect(note).toBeHidden();
});

test.describe("with JavaScript", () => {
  test.beforeEach(async ({}, testInfo) => {
    test.skip(testInfo.project.name === "no-javascript", "these run in the hydrated app");
  });

  test("a field error goes once the field is corrected", async ({ page }) => {
    const { link, firstRun } = setupLink(uniqueEmail("fielderror"));
    await open(page, link);
    if (firstRun) {
      await page.getByLabel("Organisation name").fill("Field errors");
      await page.getByLabel("Your email").fill(uniqueEmail("fielderror"));
    }
    await page.getByLabel("Your name").fill("Fay Field");
    await page.getByLabel("Password").fill("password1");
    await page.getByRole("button", { name: "Finish set-up" }).click();
    const password = page.getByLabel("Password");
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#field-password-error")).not.toBeEmpty();
    await password.fill(PASSWORD);
    await expect(password).toHaveAttribute("aria-invalid", "false");
    await expect(page.locator("#field-password-error")).toBeEmpty();
  });

  test("a wrong second-step code is told what to do", async ({ page }) => {
    const email = uniqueEmail("wrongcode");
    await createAdministrator(page, email);
    const { secret } = await enableTwoFactor(page);
    await signOut(page);
    await signIn(page, email);
    await expect(page).toHaveURL(/\/sign-in\/verify$/);
    await settle(page);
    const wrong = ((parseInt(totp(secret), 10) + 500_000) % 1_000_000).toString().padStart(6, "0");
    await page.getByLabel("Code").fill(wrong);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(
      page.getByText("That code is not valid. Enter the code your authenticator app shows now, or one of your recovery codes."),
    ).toBeVisible();
    await expect(page.getByText("wait for the next one")).toHaveCount(0);
  });

  test("the search box shows the search of the page after Back, and the gzip example fits its card", async ({ page, request }) => {
    await createAdministrator(page, uniqueEmail("back"));
    const keys = await createApiKeys(page);
    const upsert = await request.post(`/api/v2/accounts?api_key=${keys.account}`, {
      data: { records: [{ account_id: "back-acme", name: "Acme Back", join_date: 1735689600000 }] },
    });
    expect(upsert.status()).toBe(200);

    await open(page, "/accounts");
    const search = page.getByLabel("Search");
    await search.fill("acme");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/q=acme/);
    await expect(search).toHaveValue("acme");
    await page.goBack();
    await expect(page).toHaveURL(/\/accounts$/);
    await expect(page.getByLabel("Search")).toHaveValue("");

    await open(page, "/settings/it/api");
    const example = page.locator(".api-example", { hasText: "gzip" });
    await expect(example).toBeVisible();
    const card = page.locator(".card", { has: example });
    const cardBox = (await card.boundingBox())!;
    for (const part of [example, example.locator("pre")]) {
      const box = (await part.boundingBox())!;
      expect(box.x + box.width, "the example stays inside its card").toBeLessThanOrEqual(cardBox.x + cardBox.width + 0.5);
    }
    expect(await card.evaluate((el) => el.scrollWidth <= el.clientWidth), "the card does not scroll sideways").toBe(true);
  });
});
