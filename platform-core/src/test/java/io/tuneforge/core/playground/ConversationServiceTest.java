package io.tuneforge.core.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Saved playground conversations: personal, replaceable, deletable, validated. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class ConversationServiceTest {

    @Autowired
    ConversationService conversations;

    @Autowired
    JdbcTemplate jdbc;

    TeamSetup team;
    Actor owner;
    Actor teammate;

    @BeforeEach
    void twoUsersOfOneTeam() {
        JobFixtures fixtures = new JobFixtures(jdbc);
        team = fixtures.team(1, "/nonexistent/model");
        owner = team.as(Role.VIEWER);
        long other = jdbc.queryForObject("insert into users (username, display_name, password_hash, role, team_id) "
                + "values (?, ?, '{noop}x', 'MEMBER', ?) returning id", Long.class, "mate-" + team.suffix(),
                "Mate", team.teamId());
        teammate = new Actor(other, "mate-" + team.suffix(), team.teamId(), Role.MEMBER);
    }

    @Test
    void aSavedConversationIsListedReopenedReplacedAndDeletedByItsOwnerEvenAViewer() {
        ConversationSummary first = conversations.save(owner, OptionalLong.empty(), "  Greetings  ",
                "{\"turns\": [\"hi\"]}");
        ConversationSummary second = conversations.save(owner, OptionalLong.empty(), "Refunds", "{\"turns\": []}");

        assertThat(first.title()).isEqualTo("Greetings");
        assertThat(conversations.list(owner)).extracting(ConversationSummary::id)
                .containsExactly(second.id(), first.id());
        assertThat(conversations.document(owner, first.id())).contains("\"hi\"");

        ConversationSummary replaced = conversations.save(owner, OptionalLong.of(first.id()), "Greetings, longer",
                "{\"turns\": [\"hi\", \"bye\"]}");

        assertThat(replaced.id()).isEqualTo(first.id());
        assertThat(conversations.list(owner)).extracting(ConversationSummary::title)
                .containsExactly("Greetings, longer", "Refunds");
        assertThat(conversations.document(owner, first.id())).contains("\"bye\"");

        conversations.delete(owner, second.id());

        assertThat(conversations.list(owner)).extracting(ConversationSummary::id).containsExactly(first.id());
    }

    @Test
    void anotherUsersConversationCannotBeReadReplacedOrDeletedEvenInTheSameTeam() {
        long id = conversations.save(owner, OptionalLong.empty(), "Private", "{}").id();

        assertThat(conversations.list(teammate)).extracting(ConversationSummary::id).doesNotContain(id);
        assertThatThrownBy(() -> conversations.document(teammate, id))
                .isInstanceOf(ConversationNotFoundException.class).hasMessageContaining("No saved conversation " + id);
        assertThatThrownBy(() -> conversations.save(teammate, OptionalLong.of(id), "Mine now", "{}"))
                .isInstanceOf(ConversationNotFoundException.class);
        assertThatThrownBy(() -> conversations.delete(teammate, id))
                .isInstanceOf(ConversationNotFoundException.class);
        assertThat(conversations.document(owner, id)).isEqualTo("{}");
    }

    @Test
    void aBlankTitleOrADocumentThatIsNotAJsonObjectIsRefusedAndNothingIsSaved() {
        assertThatThrownBy(() -> conversations.save(owner, OptionalLong.empty(), " ", "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("A saved conversation needs a title");
        assertThatThrownBy(() -> conversations.save(owner, OptionalLong.empty(), "Broken", "{\"turns\": ["))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The conversation is not valid JSON");
        assertThatThrownBy(() -> conversations.save(owner, OptionalLong.empty(), "List", "[1, 2]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("The conversation must be a JSON object");

        assertThat(conversations.list(owner)).isEmpty();
    }

    @Test
    void aLongTitleIsShortenedToTheColumnLength() {
        ConversationSummary saved = conversations.save(owner, OptionalLong.empty(), "x".repeat(500), "{}");

        assertThat(saved.title()).hasSize(ConversationService.MAX_TITLE_LENGTH).endsWith("…");
    }
}
