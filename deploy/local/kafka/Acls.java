// Creates the ACLs of a file (kafka/acls.txt) on the local broker as its admin user, in one JVM
// (kafka.sh runs it with `java Acls.java` from the cached Kafka jars once per version of the file).
// Usage: KAFKA_ADMIN_PASSWORD=... java -cp '<kafka libs>/*' Acls.java <bootstrap> <acls file>
// Each line: <user> <OPERATION[,OPERATION...]> <RESOURCE TYPE> <PATTERN TYPE> <resource name>.
// Creating an ACL that exists already changes nothing, so running it again is safe.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class Acls {
    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        config.put("bootstrap.servers", args[0]);
        config.put("security.protocol", "SASL_PLAINTEXT");
        config.put("sasl.mechanism", "SCRAM-SHA-512");
        config.put("sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" "
                + "password=\"" + System.getenv("KAFKA_ADMIN_PASSWORD") + "\";");
        List<AclBinding> bindings = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String text = line.replaceAll("#.*", "").trim();
            if (text.isEmpty()) {
                continue;
            }
            String[] field = text.split("\\s+");
            if (field.length != 5) {
                throw new IllegalArgumentException("not <user> <operations> <type> <pattern> <name>: " + line);
            }
            ResourcePattern resource = new ResourcePattern(
                ResourceType.valueOf(field[2]), field[4], PatternType.valueOf(field[3]));
            for (String operation : field[1].split(",")) {
                bindings.add(new AclBinding(resource, new AccessControlEntry(
                    "User:" + field[0], "*", AclOperation.valueOf(operation), AclPermissionType.ALLOW)));
            }
        }
        try (Admin admin = Admin.create(config)) {
            admin.createAcls(bindings).all().get();
        }
        System.out.println("created " + bindings.size() + " ACL bindings");
    }
}
