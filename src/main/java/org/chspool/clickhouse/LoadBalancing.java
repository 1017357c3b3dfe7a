package org.chspool.clickhouse;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a {@link ServerPool} picks among its healthy servers ({@code CH_LOAD_BALANCING}). Servers that
 * failed are skipped by the pool whatever the policy; the policy only says where the search for a
 * healthy one starts. Immutable.
 */
public enum LoadBalancing {
    /** The first healthy server in the configured order; the others are standbys. */
    IN_ORDER("in_order"),
    /** The next healthy server after the one chosen last (shared by every sender), wrapping around. */
    ROUND_ROBIN("round_robin");

    private final String configName;

    LoadBalancing(String configName) {
        this.configName = configName;
    }

    /** The setting's value for this policy, e.g. {@code in_order}. */
    public String configName() {
        return configName;
    }

    /** The policy named {@code name} ({@code in_order}, {@code round_robin}), or null if none is. */
    public static LoadBalancing fromConfigName(String name) {
        for (LoadBalancing lb : values()) {
            if (lb.configName.equals(name)) {
                return lb;
            }
        }
        return null;
    }

    /** {@code in_order or round_robin}, for messages. */
    public static String configNames() {
        return Arrays.stream(values()).map(LoadBalancing::configName).collect(Collectors.joining(" or "));
    }

    /**
     * Index of the server the search for a healthy one starts at.
     *
     * @param lastChosen index of the server this policy chose last, -1 before the first choice
     * @param servers how many servers there are (at least 1)
     */
    int firstCandidate(int lastChosen, int servers) {
        return this == IN_ORDER ? 0 : Math.floorMod(lastChosen + 1, servers);
    }

    @Override
    public String toString() {
        return configName;
    }
}
