package io.tuneforge.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(properties = "tuneforge.models.allowed-roots=${tuneforge.fixtures:/nonexistent}/models")
class BaseModelServiceTest {

    @Autowired
    BaseModelService service;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Test
    void registersAModelFolderWithItsArchitectureParameterCountDtypeAndTemplate() {
        Path folder = fixtureModel();
        Actor actor = user(Role.MEMBER);

        BaseModelSummary model = service.register(actor, "stories-" + actor.userId(), folder.toString(), false);

        assertThat(model.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(model.dtype()).isEqualTo("float32");
        // stories260K: 1,044,992-byte float32 safetensors = ~261k parameters (tied embeddings stored once)
        assertThat(model.parameterCount()).isBetween(255_000L, 262_000L);
        assertThat(service.list(actor)).extracting(BaseModelSummary::name).contains(model.name());
    }

    @Test
    void refusesFoldersOutsideTheAllowedRoots() {
        fixtureModel();
        assertThatThrownBy(() -> service.register(user(Role.MEMBER), "etc", "/etc", false))
                .isInstanceOf(ModelException.class).hasMessageContaining("outside the allowed folders");
    }

    @Test
    void onlyAdministratorsShareModelsWithEveryTeam() {
        Path folder = fixtureModel();
        Actor member = user(Role.MEMBER);
        assertThatThrownBy(() -> service.register(member, "shared-" + member.userId(), folder.toString(), true))
                .isInstanceOf(AccessRefusedException.class);

        Actor admin = user(Role.ADMIN);
        BaseModelSummary shared = service.register(admin, "shared-" + admin.userId(), folder.toString(), true);
        assertThat(service.list(user(Role.MEMBER))).extracting(BaseModelSummary::id).contains(shared.id());
    }

    @Test
    void teamModelsStayInTheTeam() {
        Path folder = fixtureModel();
        Actor owner = user(Role.MEMBER);
        BaseModelSummary model = service.register(owner, "own-" + owner.userId(), folder.toString(), false);

        Actor stranger = user(Role.MEMBER);
        assertThat(service.list(stranger)).extracting(BaseModelSummary::id).doesNotContain(model.id());
        assertThatThrownBy(() -> service.get(stranger, model.id())).isInstanceOf(AccessRefusedException.class);
    }

    private static Path fixtureModel() {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.isDirectory(Path.of(fixtures, "models/stories260K")),
                "fixtures absent: ../shared/fixtures/models/stories260K");
        return Path.of(fixtures, "models/stories260K");
    }

    private Actor user(Role role) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("user-" + suffix, "User", "a-long-password-1", role, team));
    }
}
