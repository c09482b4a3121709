"""Consumer lag measured against the real broker: end offsets minus the group's commits."""

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from hoppid.shared.kafka import Topics, ensure_topics
from hoppid.shared.lag import measure
from hoppid.shared.testing import kafka_client, kafka_servers


async def test_lag_is_what_the_group_has_not_committed(topic_prefix: str) -> None:
    topic = Topics(topic_prefix).domain("lagging")
    group = f"{topic_prefix}group"
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    producer = AIOKafkaProducer(**kafka_client())
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, b"{}", partition=n % 2)  # 3 on p0, 2 on p1
    finally:
        await producer.stop()
    assert await measure(kafka_servers(), {group: [topic]}) == {(group, topic): 5}

    consumer = AIOKafkaConsumer(**kafka_client(), group_id=group, enable_auto_commit=False)
    consumer.assign([TopicPartition(topic, 0)])
    await consumer.start()
    try:
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(2, "")})
    finally:
        await consumer.stop()
    assert await measure(kafka_servers(), {group: [topic]}) == {(group, topic): 3}
