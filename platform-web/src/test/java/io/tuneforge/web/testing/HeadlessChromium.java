package io.tuneforge.web.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driving the application on a test port, with the steps browser tests share: sign in,
 * read an element's text, download a link with the session, save a screenshot for the README or a page dump for a
 * failed step.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Flags that work as root in a container (see ../shared/notes/stack-facts.md). */
    private static final String[] FLAGS = {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1440,900"};

    private final ChromeDriver browser;
    private final WebDriverWait wait;
    private final int port;

    private HeadlessChromium(int port, Duration timeout) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(FLAGS);
        options.setCapability("goog:loggingPrefs", Map.of("browser", "SEVERE"));
        this.browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
        this.wait = new WebDriverWait(browser, timeout);
        this.port = port;
    }

    /** Starts the browser for the application on {@code port}; skips the test where chromium is not installed. */
    public static HeadlessChromium start(int port, Duration timeout) {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium/chromedriver absent: apt-get install -y chromium chromium-driver");
        return new HeadlessChromium(port, timeout);
    }

    public ChromeDriver driver() {
        return browser;
    }

    public WebDriverWait waiter() {
        return wait;
    }

    /** The absolute URL of an application path. */
    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** Signs in through the login form and waits for the app layout. */
    public void logIn(String username, String password) {
        browser.get(url("/login"));
        WebElement user = wait.until(d -> d.findElement(By.cssSelector("input[name=username]")));
        user.sendKeys(username);
        browser.findElement(By.cssSelector("input[name=password]")).sendKeys(password, Keys.ENTER);
        wait.until(d -> !d.findElements(By.tagName("vaadin-side-nav")).isEmpty());
    }

    /** Sets the page's visible area (not the window's outer size, which includes the browser's own bars). */
    public void viewport(int width, int height) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    /** Ends the session by dropping its cookies (the next page asks to sign in). */
    public void logOut() {
        browser.manage().deleteAllCookies();
    }

    /** Types {@code text} into the input of the field with this id (replacing what it holds) and leaves the field. */
    public void type(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        WebElement input = field.findElement(By.cssSelector("input"));
        browser.executeScript("arguments[0].scrollIntoView({block: 'center'})", input);
        input.click();
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text, Keys.TAB);
    }

    /** Picks the first item matching {@code text} in the (multi-select) combo box with this id. */
    public void pick(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        WebElement input = field.findElement(By.cssSelector("input"));
        input.sendKeys(text);
        wait.until(d -> d.findElements(By.cssSelector("vaadin-combo-box-item, vaadin-multi-select-combo-box-item"))
                .stream().anyMatch(WebElement::isDisplayed));
        input.sendKeys(Keys.ARROW_DOWN, Keys.ENTER, Keys.ESCAPE);
        browser.executeScript("arguments[0].opened = false", field); // close the overlay
    }

    /** Scrolls the element with this id into view and clicks it. */
    public void click(String id) {
        WebElement element = wait.until(d -> d.findElement(By.id(id)));
        browser.executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
        element.click();
    }

    /** An element's text content, whether or not it is scrolled into view ("" when absent). */
    public String text(String id) {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.getElementById(arguments[0]); return e ? e.textContent : ''", id);
        return String.valueOf(text).strip();
    }

    /** Fetches a download link with the browser's session cookie; the answer must be 200. */
    public <T> HttpResponse<T> download(WebElement link, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        String href = link.getDomAttribute("href");
        String cookie = browser.manage().getCookieNamed("JSESSIONID").getValue();
        HttpResponse<T> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(href.startsWith("http") ? href : url("/" + href.replaceFirst("^/", ""))))
                .header("Cookie", "JSESSIONID=" + cookie).build(), body);
        if (response.statusCode() != 200) {
            throw new AssertionError("download of " + href + " answered HTTP " + response.statusCode());
        }
        return response;
    }

    /** Saves a PNG of the current page under docs/screenshots/ (repository root), for the README. */
    public void screenshot(String name) throws IOException, InterruptedException {
        viewport(1440, 900); // the README's screenshot tour size
        Thread.sleep(500); // let the last server push render before the picture
        // development mode's tool bar and its "running in development mode" popup are not part of the product
        ((JavascriptExecutor) browser).executeScript(
                "document.querySelectorAll('vaadin-dev-tools, copilot-main').forEach(e => e.remove())");
        Path folder = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/screenshots");
        Files.createDirectories(folder);
        Files.write(folder.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** Runs a step; when it fails, writes the page, its console errors and a screenshot to target/ first. */
    public void dumpOnFailure(String step, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | AssertionError e) {
            dumpPage(step);
            throw e;
        }
    }

    /** Writes the page source, its console errors and a screenshot to target/e2e-STEP.* for diagnosis. */
    public void dumpPage(String step) {
        try {
            Path target = Path.of(System.getProperty("user.dir"), "target");
            Files.writeString(target.resolve("e2e-" + step + ".html"), browser.getPageSource());
            Files.write(target.resolve("e2e-" + step + ".png"), browser.getScreenshotAs(OutputType.BYTES));
            StringBuilder console = new StringBuilder();
            browser.manage().logs().get(LogType.BROWSER).forEach(e -> console.append(e.getLevel()).append(' ')
                    .append(e.getMessage()).append('\n'));
            Files.writeString(target.resolve("e2e-" + step + "-console.txt"), console);
        } catch (IOException | RuntimeException ignored) {
            // diagnostics only
        }
    }

    @Override
    public void close() {
        browser.quit();
    }
}
