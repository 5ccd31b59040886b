import {
  test, expect, open, settle, uniqueEmail, createAdministrator, signIn, signOut, enableTwoFactor,
  hydratedPage, totp, PASSWORD,
} from "./support";

test("setup link, sign-in, two-factor with TOTP and recovery codes", async ({ page, browser, errors }, testInfo) => {
  const email = uniqueEmail(testInfo.project.name);
  const js = testInfo.project.name === "hydrated";

  await test.step("setup link creates the administrator, who lands signed in", async () => {
    await createAdministrator(page, email);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  });

  await test.step("sign out, then sign in with the password", async () => {
    await signOut(page);
    await signIn(page, email);
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole("heading", { name: "Management Center" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Manage roles" })).toBeVisible();
  });

  let secret = "";
  let codes: string[] = [];
  await test.step("turn on two-factor sign-in in My Profile", async () => {
    if (js) {
      ({ secret, codes } = await enableTwoFactor(page));
    } else {
      // Turning it on needs JavaScript; do it in a hydrated tab, then carry on without JS.
      const other = await hydratedPage(browser, errors);
      await signIn(other, email);
      await expect(other).toHaveURL(/\/settings$/);
      ({ secret, codes } = await enableTwoFactor(other));
      await other.context().close();
    }
    expect(codes).toHaveLength(10);
  });

  await test.step("sign out, sign in with a TOTP code", async () => {
    await open(page, "/settings");
    await signOut(page);
    await signIn(page, email);
    await expect(page).toHaveURL(/\/sign-in\/verify$/);
    await settle(page);
    // The next time step's code: the one used to turn it on cannot be replayed.
    await page.getByLabel("Code").fill(totp(secret, 1));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await settle(page);
  });

  await test.step("a recovery code works once", async () => {
    await signOut(page);
    await signIn(page, email);
    await expect(page).toHaveURL(/\/sign-in\/verify$/);
    await settle(page);
    await page.getByLabel("Code").fill(codes[0]);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await settle(page);

    await signOut(page);
    await signIn(page, email);
    await expect(page).toHaveURL(/\/sign-in\/verify$/);
    await settle(page);
    await page.getByLabel("Code").fill(codes[0]);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByText("That code is not valid.")).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in\/verify/);
  });
});

test("repeated wrong passwords are throttled, then even the right one waits", async ({ page }, testInfo) => {
  const email = uniqueEmail(`throttle-${testInfo.project.name}`);
  await createAdministrator(page, email);
  await signOut(page);
  for (let attempt = 1; attempt <= 5; attempt++) {
    await signIn(page, email, "not the password at all");
    await expect(page.getByRole("alert").filter({ hasText: "do not match an active account" })).toBeVisible();
  }
  await signIn(page, email, "not the password at all");
  await expect(page.getByText(/Too many attempts\. Try again in \d+ seconds\./)).toBeVisible();
  await signIn(page, email, PASSWORD);
  await expect(page.getByText(/Too many attempts/)).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("unknown addresses show the 404 page", async ({ page, errors }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await settle(page);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  // Chromium reports the page's own 404 status as a console error; support.ts expects
  // 404s (a missing page is a fault the test provokes), so nothing else may appear.
  expect(errors).toEqual([]);
});

test("signed-out visitors are sent to sign in, with the page they asked for kept", async ({ page }) => {
  await open(page, "/settings/profile");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fsettings%2Fprofile$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("sign-in returns to the page asked for, through the second step too, and never off-site", async ({ page, browser, errors }, testInfo) => {
  const email = uniqueEmail(`next-${testInfo.project.name}`);
  const js = testInfo.project.name === "hydrated";
  await createAdministrator(page, email);
  await signOut(page);

  await test.step("a signed-out visit is a redirect that remembers the page", async () => {
    const response = await page.request.get("/settings/users?tab=pending", { maxRedirects: 0 });
    expect(response.status()).toBe(303);
    expect(response.headers()["location"]).toBe("/sign-in?next=%2Fsettings%2Fusers%3Ftab%3Dpending");
    await open(page, "/settings/users?tab=pending");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fsettings%2Fusers%3Ftab%3Dpending$/);
  });

  await test.step("a wrong password keeps the target; the right one goes there", async () => {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "do not match an active account" })).toBeVisible();
    await settle(page);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/settings\/users\?tab=pending$/);
    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
    await settle(page);
  });

  let secret = "";
  let codes: string[] = [];
  await test.step("with two-factor sign-in, the target survives the second step", async () => {
    if (js) {
      ({ secret, codes } = await enableTwoFactor(page));
    } else {
      const other = await hydratedPage(browser, errors);
      await signIn(other, email);
      await expect(other).toHaveURL(/\/settings$/);
      ({ secret, codes } = await enableTwoFactor(other));
      await other.context().close();
    }
    await open(page, "/settings");
    await signOut(page);
    await open(page, "/settings/audit");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fsettings%2Faudit$/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/sign-in\/verify\?next=%2Fsettings%2Faudit$/);
    await settle(page);
    await page.getByLabel("Code").fill(totp(secret, 1));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/settings\/audit$/);
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await settle(page);
  });

  await test.step("an off-site target is ignored", async () => {
    await signOut(page);
    await open(page, "/sign-in?next=%2F%2Fevil.example%2Fx");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/sign-in\/verify$/);
    await settle(page);
    await page.getByLabel("Code").fill(codes[0]);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/settings$/);
    await settle(page);
  });
});
