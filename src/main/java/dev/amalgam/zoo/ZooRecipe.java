package dev.amalgam.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Everything a zoo folder's content depends on. Its {@link #hash} names a build: a folder built from the same
 * recipe is reused, any change (seed, skills, specialists, sizes, training settings, base model bytes, task YAMLs, or
 * {@link #GENERATOR_VERSION}) rebuilds it.
 *
 * @param baseHash  {@link ContentHash#ofFolder} of the base model folder
 * @param tasksHash {@link ContentHash#ofFolder} of the demo task YAML folder (they define the accuracy table)
 */
record ZooRecipe(long seed, List<String> skills, List<String> specialists, SkillDataset.Sizes sizes, FineTuneRecipe fineTune, long maxShardBytes,
                 String baseHash, String tasksHash) {
    /** Bump whenever generated data or training code changes what a build produces for the same inputs. */
    static final int GENERATOR_VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    ZooRecipe {
        skills = List.copyOf(skills);
        specialists = List.copyOf(specialists);
    }

    /** The recipe as JSON (stored in the manifest for people; the hash is taken over this exact text). */
    ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("generator_version", GENERATOR_VERSION);
        node.put("seed", seed);
        node.putArray("skills").addAll(skills.stream().map(JSON.getNodeFactory()::textNode).toList());
        node.putArray("specialists").addAll(specialists.stream().map(JSON.getNodeFactory()::textNode).toList());
        node.putObject("split_sizes").put("train", sizes.train()).put("validation", sizes.validation()).put("test", sizes.test());
        node.putObject("fine_tune").put("steps", fineTune.steps()).put("batch_size", fineTune.batchSize())
                .put("learning_rate", fineTune.learningRate()).put("trained_tensors", fineTune.trainedTensors());
        node.put("max_shard_bytes", maxShardBytes);
        node.put("base_sha256", baseHash);
        node.put("tasks_sha256", tasksHash);
        return node;
    }

    String hash() {
        return ContentHash.of(toJson().toString());
    }
}
