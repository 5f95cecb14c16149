package io.mnemo.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ledger against what analysts see through the query service: every memory answered 2xx must be listed exactly
 * once for its user, with the content it was accepted with. Lost: accepted, not listed. Doubled: one accepted
 * memory listed under two ids, or one id listed twice, or a key answered with two ids. Stale: listed with other
 * content than accepted. Rows of the run that no 2xx accounts for are reported too (accepted without the producer
 * hearing of it: allowed, since the producer gave up or a connection broke after the write).
 */
public final class LedgerCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The comparison's outcome; {@link #clean()} when nothing was lost, doubled or stale. */
    public record Result(int accepted, int listed, List<String> lost, List<String> doubled, List<String> stale,
                         int unacknowledged) {
        public boolean clean() {
            return lost.isEmpty() && doubled.isEmpty() && stale.isEmpty();
        }

        @Override
        public String toString() {
            return String.format("accepted %d, listed %d, lost %d %s, doubled %d %s, stale %d %s, unacknowledged %d",
                    accepted, listed, lost.size(), head(lost), doubled.size(), head(doubled), stale.size(),
                    head(stale), unacknowledged);
        }

        private static List<String> head(List<String> items) {
            return items.subList(0, Math.min(5, items.size()));
        }
    }

    private final URI queryUrl;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public LedgerCheck(URI queryUrl, String apiKey) {
        this.queryUrl = queryUrl;
        this.apiKey = apiKey;
    }

    /** Compares once. */
    public Result compare(Ledger ledger, List<String> users) throws IOException, InterruptedException {
        Map<String, Ledger.Accepted> byContent = new HashMap<>();
        Map<String, Ledger.Accepted> accepted = ledger.accepted();
        accepted.values().forEach(a -> byContent.put(a.content(), a));
        Map<String, List<String>> idsByContent = new HashMap<>();
        Set<String> seenIds = new HashSet<>();
        List<String> doubled = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        Map<String, String> contentById = new HashMap<>();
        int listed = 0;
        for (String user : users) {
            for (JsonNode memory : list(user)) {
                listed++;
                String id = memory.get("memoryId").asText();
                String content = memory.get("content").asText();
                if (!seenIds.add(id)) {
                    doubled.add("id listed twice: " + id);
                }
                contentById.put(id, content);
                idsByContent.computeIfAbsent(content, c -> new ArrayList<>()).add(id);
            }
        }
        List<String> lost = new ArrayList<>();
        for (Ledger.Accepted memory : accepted.values()) {
            String content = contentById.get(memory.memoryId());
            if (content == null) {
                lost.add(memory.key() + " (" + memory.memoryId() + ")");
            } else if (!content.equals(memory.content())) {
                stale.add(memory.key() + ": listed \"" + content + "\"");
            }
        }
        idsByContent.forEach((content, ids) -> {
            if (ids.size() > 1) {
                doubled.add("\"" + content + "\" under " + ids);
            }
        });
        if (ledger.conflictingIds() > 0) {
            doubled.add(ledger.conflictingIds() + " key(s) answered 2xx with two different memory ids");
        }
        int unacknowledged = (int) idsByContent.keySet().stream().filter(c -> !byContent.containsKey(c)).count();
        return new Result(accepted.size(), listed, lost, doubled, stale, unacknowledged);
    }

    /** Compares until clean or the timeout passes (the projections catch up after the faults), returning the last. */
    public Result awaitClean(Ledger ledger, List<String> users, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Result result = compare(ledger, users);
            if (result.clean() || System.nanoTime() > deadline) {
                return result;
            }
            Thread.sleep(1_000);
        }
    }

    /** Every memory of a user, page by page (keyset cursor), as the query service lists them. */
    private List<JsonNode> list(String user) throws IOException, InterruptedException {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            String url = "/v1/users/" + user + "/memories?limit=100"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(queryUrl.resolve(url))
                    .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
            }
            JsonNode page = JSON.readTree(response.body());
            page.path("items").forEach(all::add);
            cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        return all;
    }
}
